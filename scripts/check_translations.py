"""Every user-facing string has a zh-Hans translation: extract afresh, then look for gaps.

Runs `makemessages` in each app folder that has a locale folder (GNU gettext's xgettext is
needed); strings outside the apps are not translated, so user-facing text lives in an app.
then fails listing every msgid that is untranslated or fuzzy, and every translation whose
placeholders are not its msgid's (``%(name)s`` by name, ``%s`` by count): such a translation would
fail at the moment it is formatted (a page or an answer in error) instead of here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent
ROOT = BASE / "guomen"
manage = [sys.executable, str(BASE / "manage.py")]
missing: list[str] = []
wrong: list[str] = []
NAMED = re.compile(r"%\((\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
POSITIONAL = re.compile(r"%(?!\()[#0 +-]*\d*(?:\.\d+)?[sdifrxXeEgGc]")


def placeholders(text: str) -> tuple[frozenset[str], int]:
    """The named placeholders of a python-format string, and how many positional ones it has."""
    text = text.replace("%%", "")
    return frozenset(NAMED.findall(text)), len(POSITIONAL.findall(text))


env = {**os.environ, "DJANGO_SETTINGS_MODULE": "guomen.settings"}
apps = sorted(d.parent for d in ROOT.glob("*/locale"))
for folder in apps:
    args = ["-i", "tests/*", "-i", "locale/*", "-i", "migrations/*"]
    subprocess.run(
        [*manage, "makemessages", "-l", "zh_Hans", "--no-obsolete", "--no-location", *args],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
    )
for locale_dir in [a / "locale" for a in apps]:
    for po_path in locale_dir.glob("*/LC_MESSAGES/*.po"):
        po = polib.pofile(str(po_path))
        for entry in po:
            if entry.obsolete:
                continue
            if not entry.translated() or "fuzzy" in entry.flags:
                missing.append(f"{po_path.relative_to(BASE)}: {entry.msgid!r}")
                continue
            if "python-format" in entry.flags:
                allowed = {placeholders(entry.msgid)} | ({placeholders(entry.msgid_plural)} if entry.msgid_plural else set())
                for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
                    if placeholders(text) not in allowed:
                        wrong.append(f"{po_path.relative_to(BASE)}: {entry.msgid!r} -> {text!r}")
if missing:
    print(f"{len(missing)} strings lack a zh-Hans translation:")
    print("\n".join(missing))
if wrong:
    print(f"{len(wrong)} translations have placeholders other than their msgid's:")
    print("\n".join(wrong))
if missing or wrong:
    sys.exit(1)
print("Translations complete.")
