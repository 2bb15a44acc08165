"""A name no available font can print: the error, and what staff are told instead of the certificate being sent.

Kept apart from bot.certificates.pdf so services can catch it and word the notice without loading fpdf.
"""
from __future__ import annotations

import unicodedata

from bot.common.mrkdwn import escape


class MissingGlyphs(Exception):
    """No font available here can print some characters of a name: the PDF would show boxes or "?"."""

    def __init__(self, name: str, characters: str):
        self.name = name
        self.characters = characters
        super().__init__(f"The certificate of {name!r} cannot be printed: no font has {listed(characters)}. Correct "
                         "the name (a stray symbol or emoji?) or install a font that covers these characters.")


def listed(characters: str) -> str:
    """`ሀ (U+1200 ETHIOPIC SYLLABLE HA), …`."""
    return ", ".join(f"{char} (U+{ord(char):04X} {unicodedata.name(char, 'unnamed character')})"
                     for char in characters)


def staff_notice(exc: MissingGlyphs, what: str) -> str:
    """For the staff channel: whose certificate (`what`: which one) was not sent, the characters, what to do."""
    return (f":warning: The {what} certificate of {escape(exc.name)} was not issued: no font here can print "
            f"{escape(listed(exc.characters))}. Their completion is recorded. Make the certificate by hand and send "
            "it to them; or, if the name has a stray symbol, correct it and the bot issues the certificate at its "
            "next check.")
