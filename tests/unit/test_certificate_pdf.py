import io
import re
import unicodedata
from datetime import date

import pytest
from pypdf import PdfReader

from bot.certificates import typefaces
from bot.certificates.codes import CODE_ALPHABET, new_verification_code
from bot.certificates.pdf import MissingGlyphs, render_certificate

CODE_FORMAT = re.compile(rf"TB-[{CODE_ALPHABET}]{{4}}-[{CODE_ALPHABET}]{{4}}")


def _pages(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _letters(text: str) -> str:
    """The letters of `text` in order, NFKC-normalised (Arabic presentation forms become plain letters).

    pypdf reads the CJK fallback font's 2-byte codes as two 1-byte ones, adding a NUL before each
    character; dropping every non-letter drops those and the spaces, but never a "?" in place of a letter.
    """
    return "".join(char for char in unicodedata.normalize("NFKC", text) if char.isalpha())


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


@pytest.mark.parametrize("name", ["Łukasz Żółć", "Đorđe Ćosić", "Олена Коваленко", "Γιώργος Παπαδόπουλος"])
def test_names_in_latin_extended_cyrillic_and_greek_are_printed_as_written(name):
    [text] = _pages(render_certificate("Mentoring mentee", name, date(2026, 3, 2), "TB-ABCD-EFGH"))
    assert name in text


@pytest.mark.parametrize("name", ["ليلى حداد", "נועה כהן"])
def test_arabic_and_hebrew_names_read_right_to_left(name):
    """Drawn left to right, the letters would be read back reversed."""
    [text] = _pages(render_certificate("Mentoring mentee", name, date(2026, 3, 2), "TB-ABCD-EFGH"))
    assert _letters(name) in _letters(text)


@pytest.mark.skipif(not typefaces.cjk_fallback(), reason="no CJK font installed (Debian package fonts-noto-cjk)")
@pytest.mark.parametrize("name", ["李雷", "Anna 山田 김민준"])
def test_cjk_names_are_printed_with_the_fallback_font(name):
    [text] = _pages(render_certificate("Mentoring mentee", name, date(2026, 3, 2), "TB-ABCD-EFGH"))
    assert _letters(name) in _letters(text)


def test_without_a_cjk_font_a_chinese_name_is_refused(monkeypatch):
    monkeypatch.setattr(typefaces, "cjk_fallback", lambda: ())
    with pytest.raises(MissingGlyphs) as refused:
        render_certificate("Mentoring mentee", "Li 李雷", date(2026, 3, 2), "TB-ABCD-EFGH")
    assert refused.value.characters == "李雷"


@pytest.mark.parametrize("name, missing", [("Ada \U00010000", "\U00010000"),  # Linear B
                                           ("Ada \ue000x \ue000\U00010000", "\ue000\U00010000")])  # private use
def test_a_name_no_font_can_print_is_refused_naming_the_characters(name, missing):
    with pytest.raises(MissingGlyphs) as refused:
        render_certificate("Instructor Training", name, date(2026, 3, 2), "TB-ABCD-EFGH")
    assert (refused.value.name, refused.value.characters) == (name, missing)
    assert all(f"U+{ord(char):04X}" in str(refused.value) for char in missing)


def test_very_long_name_stays_on_one_page():
    assert len(_pages(render_certificate("Instructor Training", "Wolfe " * 60, date(2026, 3, 2), "TB-X"))) == 1


def test_verification_codes_are_unique_and_well_formed():
    codes = [new_verification_code() for _ in range(1000)]
    assert len(set(codes)) == 1000
    assert all(CODE_FORMAT.fullmatch(code) for code in codes)
