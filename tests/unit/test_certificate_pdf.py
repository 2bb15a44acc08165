import io
import re
from datetime import date

import pytest
from pypdf import PdfReader

from bot.certificates.pdf import CODE_ALPHABET, new_verification_code, render_certificate

CODE_FORMAT = re.compile(rf"TB-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}")


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


@pytest.mark.parametrize("name", ["Ada Lovelace", "Zoë Ñúñez", "Šárka Œlund"])
def test_certificate_shows_name_date_code_and_how_to_verify(name):
    pdf = render_certificate("Instructor Training", name, date(2026, 12, 1), "TB-ABCD-EFGH",
                             details="Online, four half-days")
    assert pdf.startswith(b"%PDF-")
    [text] = _pages(pdf)
    for expected in ("Certificate", "Instructor Training", name, "2026-12-01", "TB-ABCD-EFGH",
                     "Online, four half-days", "Verify with: trainingbot certificates verify TB-ABCD-EFGH"):
        assert expected in text


def test_page_is_a4_landscape():
    reader = PdfReader(io.BytesIO(render_certificate("Mentoring mentor", "Ada", date(2026, 1, 5), "TB-2345-6789")))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


@pytest.mark.parametrize("name, shown", [("Łukasz Żółć", "Lukasz Zólc"), ("Đorđe Ćosić", "Dorde Cosic"),
                                         ("李雷", "??")])
def test_characters_outside_the_core_font_fall_back_instead_of_failing(name, shown):
    [text] = _pages(render_certificate("Mentoring mentee", name, date(2026, 3, 2), "TB-ABCD-EFGH"))
    assert shown in text


def test_very_long_name_stays_on_one_page():
    assert len(_pages(render_certificate("Instructor Training", "Wolfe " * 60, date(2026, 3, 2), "TB-X"))) == 1


def test_verification_codes_are_unique_and_well_formed():
    codes = [new_verification_code() for _ in range(1000)]
    assert len(set(codes)) == 1000
    assert all(CODE_FORMAT.fullmatch(code) for code in codes)
