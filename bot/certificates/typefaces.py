"""The fonts certificates are printed in and the characters each one has a glyph for."""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTFont

_SHIPPED = Path(__file__).parent / "fonts"
_NOTO_CJK = Path("/usr/share/fonts/opentype/noto")  # Debian's fonts-noto-cjk
_SIMPLIFIED_CHINESE = 2  # face in the .ttc collections; every face covers the same characters

MAIN_FAMILY = "dejavu"
FALLBACK_FAMILY = "notosanscjk"


@dataclass(frozen=True)
class Typeface:
    """One font file in one style; `face` picks a font inside a .ttc collection."""

    family: str
    style: str  # "" regular, "B" bold
    path: Path
    face: int = 0

    def covers(self, char: str) -> bool:
        return ord(char) in _code_points(self.path, self.face)


MAIN = (Typeface(MAIN_FAMILY, "", _SHIPPED / "DejaVuSans.ttf"),
        Typeface(MAIN_FAMILY, "B", _SHIPPED / "DejaVuSans-Bold.ttf"))


def cjk_fallback() -> tuple[Typeface, ...]:
    """Noto Sans CJK regular and bold where installed, else nothing (it is some 40 MB, not shipped with us)."""
    faces = (Typeface(FALLBACK_FAMILY, "", _NOTO_CJK / "NotoSansCJK-Regular.ttc", _SIMPLIFIED_CHINESE),
             Typeface(FALLBACK_FAMILY, "B", _NOTO_CJK / "NotoSansCJK-Bold.ttc", _SIMPLIFIED_CHINESE))
    return faces if all(face.path.is_file() for face in faces) else ()


@cache
def _code_points(path: Path, face: int) -> frozenset[int]:
    with TTFont(path, fontNumber=face, lazy=True) as font:
        return frozenset(font.getBestCmap())
