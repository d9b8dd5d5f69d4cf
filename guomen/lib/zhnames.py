"""Chinese place names."""

from __future__ import annotations

_ETHNIC = ("哈尼", "傣族", "拉祜", "佤族", "苗族", "瑶族", "傈僳", "独龙", "彝族", "自治")


def short_name_zh(name: str) -> str:
    """腾冲市 → 腾冲, 江城哈尼族彝族自治县 → 江城; a one-character result keeps the suffix (芒市)."""
    cut = min([name.index(m) for m in _ETHNIC if m in name] or [len(name)])
    short = name[:cut].rstrip("市县")
    return short if len(short) > 1 else name[:cut]
