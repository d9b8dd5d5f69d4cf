"""Free text typed or imported by people: the one cleaner every app uses, and its rules.

``hidden_character`` finds a character that a reader cannot see but that changes what is stored
or shown: C0/C1 control characters (Unicode category Cc) and format characters (Cf) — among them
the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make “abc” display as
“cba” in a list, the marks U+200E/U+200F, the byte-order mark U+FEFF and the soft hyphen U+00AD,
which make two names that look the same differ.

Allowed, deliberately:
- tab, line feed and carriage return: whitespace that ``clean_text`` collapses to one space (or
  keeps, in text of several lines);
- ZERO WIDTH NON-JOINER (U+200C) and ZERO WIDTH JOINER (U+200D): they are part of the correct
  spelling of names in several scripts (Persian, Sinhala, Indic and some Myanmar text) and do not
  reorder what is displayed; refusing them would refuse real names.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.utils.text import capfirst
from django.utils.translation import gettext as _

from guomen.lib.errors import DomainError

WHITESPACE_CONTROLS = frozenset("\t\n\r")
ALLOWED_FORMAT = frozenset("\u200c\u200d")


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that the text rules refuse, or None."""
    if text.isprintable():  # no Cc or Cf character at all: the common case, checked in C
        return None
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


def _refuse(code: str, message: str, field: str, **details: Any) -> DomainError:
    return DomainError(code, message, status=422, details={"field": field, **details})


def clean_text(value: Any, field: str, *, max_length: int, required: bool = False, multiline: bool = False, label: Any = None) -> str:
    """The one cleaner of typed or imported text; every app's services call it.

    Refuses (422, nothing changed, ``details.field`` names the field) with one vocabulary of codes:
    ``control_characters`` (an invisible character, see ``hidden_character``; ``details.character``
    names it), ``required`` and ``too_long``. One line of text has its runs of whitespace collapsed
    to one space; ``multiline`` text keeps its lines and is only trimmed. ``label`` (translated)
    names the field in the message; without it the message speaks of "the text".
    """
    text = "" if value is None else str(value)
    hidden = hidden_character(text)
    if hidden is not None:
        name = _named(label)
        args = {"field": name, "char": code_point(hidden)}
        message = (
            _("%(field)s contains an invisible control or formatting character (%(char)s); type it again without it.")
            if name
            else _("The text contains an invisible control or formatting character (%(char)s); type it again without it.")
        )
        raise _refuse("control_characters", message % args, field, character=f"U+{ord(hidden):04X}")
    text = text.strip() if multiline else " ".join(text.split())
    if required and not text:
        name = _named(label)
        message = _("%(field)s is required.") % {"field": name} if name else _("This field is required.")
        raise _refuse("required", message, field)
    if len(text) > max_length:
        name = _named(label)
        message = (
            _("%(field)s is longer than %(n)d characters.") % {"field": name, "n": max_length}
            if name
            else _("The text is longer than %(n)d characters.") % {"n": max_length}
        )
        raise _refuse("too_long", message, field)
    return text


def _named(label: Any) -> str | None:
    """The field's name beginning a refusal ("The note is longer…"), or None (the message then
    speaks of "the text"). Only a refusal translates a lazy label: testing a lazy label's truth
    would look its translation up too, on every call."""
    if label is None:
        return None
    return capfirst(str(label)) or None
