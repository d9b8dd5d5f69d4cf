"""Signed messages: canonical bytes, Ed25519 signatures, fingerprints and our keys at rest.

Canonical bytes of a message (what is signed): the message object serialised as JSON with keys
sorted at every level, no whitespace (separators ``,`` and ``:``), non-ASCII characters as
themselves (not ``\\u`` escapes), encoded as UTF-8. Numbers are integers only (no floats in any
schema), so every implementation serialises them alike. The signature is detached: the envelope
on the wire is ``{"message": {...}, "signature": "<base64 of 64 bytes>", "key": "<fingerprint>"}``.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache, lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings

RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def canonical(message: dict[str, Any]) -> bytes:
    return json.dumps(message, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def fingerprint(public_key_b64: str) -> str:
    """SHA-256 of the raw public key, first 16 bytes as hex in groups of four: read aloud on the phone."""
    digest = hashlib.sha256(unb64(public_key_b64)).hexdigest()[:32].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4))


def new_private_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def public_b64(private: Ed25519PrivateKey) -> str:
    return b64(private.public_key().public_bytes(*RAW))


def private_raw(private: Ed25519PrivateKey) -> bytes:
    return private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k.encode()) for k in keys])


def seal_private(private: Ed25519PrivateKey) -> str:
    return _fernet(tuple(settings.EXCHANGE_KEY_ENCRYPTION_KEYS)).encrypt(private_raw(private)).decode("ascii")


def unseal_private(token: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_fernet(tuple(settings.EXCHANGE_KEY_ENCRYPTION_KEYS)).decrypt(token.encode("ascii")))


def sign(private: Ed25519PrivateKey, message: dict[str, Any]) -> dict[str, Any]:
    return {"message": message, "signature": b64(private.sign(canonical(message))), "key": fingerprint(public_b64(private))}


def valid_public_key(text: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(unb64(text))
    except (ValueError, TypeError):
        return False
    return True


@lru_cache(maxsize=256)
def _public(key: str) -> Ed25519PublicKey | None:
    """A partner's public key, parsed once per process. Keyed by the key's own text, so a key
    changed on the partner's row is read afresh; only public keys are kept here, never secrets."""
    try:
        return Ed25519PublicKey.from_public_bytes(unb64(key))
    except (ValueError, TypeError):
        return None


def verify(public_keys: list[str], message: dict[str, Any], signature: str) -> bool:
    """Whether ``signature`` over the message's canonical bytes is by one of ``public_keys``."""
    try:
        sig = unb64(signature)
        data = canonical(message)
    except (ValueError, TypeError):
        return False
    for key in public_keys:
        public = _public(key) if key else None
        if public is None:
            continue
        try:
            public.verify(sig, data)
            return True
        except InvalidSignature:
            continue
    return False
