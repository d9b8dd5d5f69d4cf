"""Personal identifiers at rest: encrypted (Fernet, keys rotatable) and found by a keyed hash.

- ``seal(text)`` encrypts with the newest key; ``unseal`` tries every configured key.
- ``lookup_hash(kind, country, number)`` is an HMAC-SHA256 under a separate key over the
  normalised number, so equal numbers match without decrypting anything.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_SPACE = re.compile(r"[\s\-]+")


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def seal(text: str) -> str:
    return fernet().encrypt(text.encode("utf-8")).decode("ascii")


def unseal(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:
        raise ValueError("identifier cannot be decrypted with the configured keys") from exc


def reseal(token: str) -> str:
    """The same plaintext under the newest key (for key rotation)."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


def normalise(number: str) -> str:
    return _SPACE.sub("", number).upper()


def lookup_hash(kind: str, country: str, number: str) -> str:
    msg = f"{kind}|{country.upper()}|{normalise(number)}".encode()
    return hmac.new(settings.IDENTIFIER_HASH_KEY.encode(), msg, hashlib.sha256).hexdigest()


def number_hash(number: str) -> str:
    """Keyed hash of the number alone, to find the same number across document kinds."""
    return hmac.new(settings.IDENTIFIER_HASH_KEY.encode(), normalise(number).encode(), hashlib.sha256).hexdigest()
