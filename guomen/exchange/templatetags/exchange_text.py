from django import template
from django.utils.translation import get_language

register = template.Library()


@register.filter
def texts(value: object) -> list[tuple[str, str]]:
    """A message text's languages, the reader's own first: [(lang, text), ...]."""
    if not isinstance(value, dict):
        return []
    mine = "zh-Hans" if (get_language() or "").startswith("zh") else "en"
    order = [mine, *(k for k in ("zh-Hans", "en", "my", "lo", "vi") if k != mine)]
    return [(k, value[k]) for k in order if value.get(k)]


@register.filter
def reason(value: object) -> str:
    if not isinstance(value, dict):
        return ""
    mine = "zh-Hans" if (get_language() or "").startswith("zh") else "en"
    return str(value.get(mine) or value.get("en") or "")
