"""Certificates as one-page A4 landscape PDFs, each with a code anyone can verify."""
from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timezone

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.certificates import typefaces
from bot.certificates.typefaces import Typeface
from bot.certificates.unprintable import MissingGlyphs

_PAGE_WIDTH, _PAGE_HEIGHT, _MARGIN = 297, 210, 25


def render_certificate(kind: str, name: str, issued: date, code: str, details: str = "") -> bytes:
    """The certificate PDF; `kind` is free text shown as its title line, e.g. "Instructor Training".

    Raises MissingGlyphs when no available font can print all of `name`.
    """
    fallback = typefaces.cjk_fallback() if _uncovered(kind + name + details, typefaces.MAIN) else ()
    missing = _uncovered(name, [face for face in typefaces.MAIN + fallback if face.style == "B"])  # names are bold
    if missing:
        raise MissingGlyphs(name, missing)
    pdf = FPDF(orientation="landscape", unit="mm", format="A4")
    _add_fonts(pdf, fallback)
    pdf.set_creation_date(datetime.combine(issued, datetime.min.time(), tzinfo=timezone.utc))
    pdf.set_title(f"Certificate: {kind} - {name}")
    pdf.set_creator("trainingbot")
    pdf.set_auto_page_break(False)
    pdf.set_margins(_MARGIN, _MARGIN)
    pdf.add_page()
    _draw_border(pdf)
    pdf.set_y(38)
    _line(pdf, "Certificate", size=40, style="B", height=18)
    _line(pdf, kind, size=22, height=14)
    _line(pdf, "This certifies that", size=14, height=12)
    _line(pdf, name, size=_fitting_size(pdf, name, 32), style="B", height=18)
    if details:
        _line(pdf, details, size=13, height=7)
    pdf.set_y(_PAGE_HEIGHT - _MARGIN - 30)
    _line(pdf, f"Issued on {issued.isoformat()}", size=13, height=8)
    _line(pdf, f"Verification code: {code}", size=13, height=8)
    _line(pdf, f"Verify with: trainingbot certificates verify {code}", size=11, height=8)
    return bytes(pdf.output())


def _uncovered(text: str, faces: Sequence[Typeface]) -> str:
    """The characters of `text`, each once, that none of `faces` has a glyph for."""
    return "".join(char for char in dict.fromkeys(text) if not any(face.covers(char) for face in faces))


def _add_fonts(pdf: FPDF, fallback: tuple[Typeface, ...]) -> None:
    """DejaVu Sans, `fallback` for characters it lacks, and HarfBuzz shaping (joined Arabic, right to left)."""
    for face in typefaces.MAIN + fallback:
        pdf.add_font(face.family, face.style, face.path, collection_font_number=face.face)
    if fallback:
        pdf.set_fallback_fonts([typefaces.FALLBACK_FAMILY])
    pdf.set_text_shaping(True)


def _line(pdf: FPDF, text: str, size: float, height: float, style: str = "") -> None:
    pdf.set_font(typefaces.MAIN_FAMILY, style, size)
    pdf.multi_cell(0, height, text, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fitting_size(pdf: FPDF, text: str, largest: float) -> float:
    """The largest bold font size, down to 12 pt, at which `text` fits on one line (longer names wrap)."""
    size = largest
    pdf.set_font(typefaces.MAIN_FAMILY, "B", size)
    while size > 12 and pdf.get_string_width(text) > pdf.epw:
        size -= 1
        pdf.set_font(typefaces.MAIN_FAMILY, "B", size)
    return size


def _draw_border(pdf: FPDF) -> None:
    pdf.set_draw_color(40, 70, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, _PAGE_WIDTH - 20, _PAGE_HEIGHT - 20)
    pdf.set_line_width(0.4)
    pdf.rect(14, 14, _PAGE_WIDTH - 28, _PAGE_HEIGHT - 28)
