"""Verification codes printed on certificates, for anyone to check with `trainingbot certificates verify`."""
from __future__ import annotations

import secrets

CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: codes are read aloud and retyped
CODE_PREFIX = "TB"


def new_verification_code() -> str:
    """A random code like "TB-7KQ3-MXR9" (8 symbols, about 40 bits); store it with a unique constraint."""
    symbols = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{CODE_PREFIX}-{symbols[:4]}-{symbols[4:]}"
