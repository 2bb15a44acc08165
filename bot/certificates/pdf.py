"""Certificates as one-page A4 landscape PDFs, each with a code anyone can verify."""
from __future__ import annotations

import secrets
import unicodedata
from datetime import date, datetime, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud and retyped
CODE_PREFIX = "TB"

# The core PDF fonts only cover Windows-1252. Letters whose accents do not decompose (Ł, Đ, ...) are
# mapped to their base letter; anything else still outside the font becomes "?" rather than failing.
_ENCODING = "cp1252"
_BASE_LETTERS = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "Ħ": "H", "ħ": "h", "ı": "i",
                               "Ŧ": "T", "ŧ": "t", "Ŀ": "L", "ŀ": "l", "Ŋ": "N", "ŋ": "n", "ĸ": "k"})
_FONT = "helvetica"
_PAGE_WIDTH, _PAGE_HEIGHT, _MARGIN = 297, 210, 25


def new_verification_code() -> str:
    """A random code like "TB-7KQ3-MXR9" (8 symbols, about 40 bits); store it with a unique constraint."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{CODE_PREFIX}-{symbols[:4]}-{symbols[4:]}"


def render_certificate(kind: str, name: str, issued: date, code: str, details: str = "") -> bytes:
    """The certificate PDF; `kind` is free text shown as its title line, e.g. "Instructor Training"."""
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    pdf.core_fonts_encoding = _ENCODING
    pdf.set_creation_date(datetime.combine(issued, datetime.min.time(), tzinfo=timezone.utc))
    pdf.set_title(_printable(f"Certificate: {kind} - {name}"))
    pdf.set_creator("trainingbot")
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _MARGIN)
    pdf.add_page()
    _draw_border(pdf)
    pdf.set_y(38)
    _line(pdf, "Certificate", size=40, style="B", height=18)
    _line(pdf, kind, size=22, height=14)
    _line(pdf, "This certifies that", size=14, height=12)
    _line(pdf, name, size=_fitting_size(pdf, _printable(name), 32), style="B", height=18)
    if details:
        _line(pdf, details, size=13, height=7)
    pdf.set_y(_PAGE_HEIGHT - _MARGIN - 30)
    _line(pdf, f"Issued on {issued.isoformat()}", size=13, height=8)
    _line(pdf, f"Verification code: {code}", size=13, height=8)
    _line(pdf, f"Verify with: trainingbot certificates verify {code}", size=11, height=8)
    return bytes(pdf.output())


def _printable(text: str) -> str:
    """`text` with every character the core fonts cannot show replaced by its nearest base letter or "?"."""
    return "".join(_printable_char(char) for char in text)


def _printable_char(char: str) -> str:
    stripped = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
    for candidate in (char, char.translate(_BASE_LETTERS), stripped):
        if candidate and _encodable(candidate):
            return candidate
    return "?"


def _encodable(text: str) -> bool:
    try:
        text.encode(_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def _line(pdf: FPDF, text: str, size: float, height: float, style: str = "") -> None:
    pdf.set_font(_FONT, style, size)
    pdf.multi_cell(0, height, _printable(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fitting_size(pdf: FPDF, text: str, largest: float) -> float:
    """The largest bold font size, down to 12 pt, at which `text` fits on one line (longer names wrap)."""
    size = largest
    pdf.set_font(_FONT, "B", size)
    while size > 12 and pdf.get_string_width(text) > pdf.epw:
        size -= 1
        pdf.set_font(_FONT, "B", size)
    return size


def _draw_border(pdf: FPDF) -> None:
    pdf.set_draw_color(40, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, _PAGE_WIDTH - 20, _PAGE_HEIGHT - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, _PAGE_WIDTH - 28, _PAGE_HEIGHT - 28)
