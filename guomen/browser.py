"""Playwright on Debian's Chromium, for the browser tests of every app (fixtures in conftest)."""

from __future__ import annotations

import os
import shutil

CHROMIUM = os.environ.get("GUOMEN_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def chromium_available() -> bool:
    return os.path.exists(CHROMIUM) or shutil.which(CHROMIUM) is not None
