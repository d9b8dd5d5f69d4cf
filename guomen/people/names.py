"""The search column of a person: full pinyin, initials and the Latin name, lower case.

"王芳" / "Wang Fang" → "王芳 wangfang wf wangfang" — so "wangfang", "wang fang" (spaces are
dropped from the query), "wf" and "王芳" all find her.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pypinyin.converter import UltimateConverter
from pypinyin.core import Pinyin

_NOT_ALNUM = re.compile(r"[^0-9a-z]+")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def fold(text: str) -> str:
    """Lower case, accents off, spaces and punctuation out: "Nguyễn Văn-An" → "nguyenvanan"."""
    if text.isascii():  # nothing to decompose (pinyin syllables, most Latin names)
        return _NOT_ALNUM.sub("", text.lower())
    decomposed = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return _NOT_ALNUM.sub("", plain)


def has_han(text: str) -> bool:
    return bool(_HAN.search(text))


# What ``pypinyin.lazy_pinyin`` builds on each call (no "ü", no tone sandhi), built once.
_PINYIN = Pinyin(UltimateConverter())


@lru_cache(maxsize=65536)
def _piece_syllables(piece: str) -> tuple[str, ...]:
    """The syllables of one piece of a name as pypinyin cuts it (a word of its dictionary, or one
    character): converted alone, a piece gives what it gives inside the name — pypinyin converts
    each piece on its own, and cuts a piece alone into itself. Pieces repeat far more than names."""
    return tuple(_PINYIN.lazy_pinyin(piece, errors="ignore"))


@lru_cache(maxsize=65536)
def _pinyin_forms(name_native: str) -> tuple[str, ...]:
    """Full pinyin and initials of a name in Han characters (names repeat: each is converted once)."""
    syllables = [fold(s) for piece in _PINYIN.seg(name_native) for s in _piece_syllables(piece)]
    syllables = [s for s in syllables if s]
    if not syllables:
        return ()
    # the initials are the syllables' first letters (what pypinyin's FIRST_LETTER style gives): one conversion, not two
    return ("".join(syllables), "".join(s[:1] for s in syllables))


def search_text(name_native: str, name_latin: str = "") -> str:
    parts: list[str] = []
    native = " ".join(name_native.split()).lower()
    if native:
        parts.append(native.replace(" ", ""))
    if has_han(name_native):
        parts.extend(_pinyin_forms(name_native))
    latin = fold(name_latin)
    if latin:
        parts.append(latin)
        words = [fold(w) for w in name_latin.split()]
        if len(words) > 1:
            parts.append("".join(w[:1] for w in words if w))
    folded_native = fold(name_native)
    if folded_native and folded_native not in parts:
        parts.append(folded_native)
    return " ".join(dict.fromkeys(parts))[:400]


def query_forms(q: str) -> tuple[str, str]:
    """(the query as typed, compacted; its folded form) for matching against ``search_text``."""
    typed = " ".join(q.split()).lower().replace(" ", "")
    return typed, fold(q)
