"""Rules for free text typed or imported by people, shared by every app's cleaner.

``hidden_character`` finds a character that a reader cannot see but that changes what is stored
or shown: C0/C1 control characters (Unicode category Cc) and format characters (Cf) — among them
the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make “abc” display as
“cba” in a list, the marks U+200E/U+200F, the byte-order mark U+FEFF and the soft hyphen U+00AD,
which make two names that look the same differ.

Allowed, deliberately:
- tab, line feed and carriage return: whitespace that the cleaners collapse to one space;
- ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D): they are part of the correct
  spelling of names in several scripts (Persian, Sinhala, Indic and some Myanmar text) and do not
  reorder what is displayed; refusing them would refuse real names.
"""

from __future__ import annotations

import unicodedata

WHITESPACE_CONTROLS = frozenset("\t\n\r")
ALLOWED_FORMAT = frozenset("\u200c\u200d")


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that the text rules refuse, or None."""
    for ch in text:
        if ch in WHITESPACE_CONTROLS or ch in ALLOWED_FORMAT:
            continue
        if unicodedata.category(ch) in ("Cc", "Cf"):
            return ch
    return None


def code_point(ch: str) -> str:
    """“U+202E RIGHT-TO-LEFT OVERRIDE”: how a message names an invisible character."""
    name = unicodedata.name(ch, "")
    return f"U+{ord(ch):04X}" + (f" {name}" if name else "")
