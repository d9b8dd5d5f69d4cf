"""Local secrets for the embedded default: generated once into var/, never committed."""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path


def local_secret(path: Path, *, kind: str = "token") -> str:
    """Read a secret from ``path``, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = base64.urlsafe_b64encode(os.urandom(32)).decode() if kind == "fernet" else secrets.token_urlsafe(50)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(value + "\n")
    return value
