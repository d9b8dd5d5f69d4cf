from django import template
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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


# What the outbox records when a delivery fails (``outbox.send_one``: "Class: detail" or "HTTP n: …"),
# by the exception's class: the partner could not be reached, or answered with no acknowledgement.
_UNREACHABLE = {"URLError", "ConnectionRefusedError", "ConnectionResetError", "ConnectionAbortedError", "ConnectionError",
                "TimeoutError", "timeout", "gaierror", "RemoteDisconnected", "OSError", "SSLError", "SSLCertVerificationError"}  # fmt: skip


@register.filter
def delivery_problem(value: object) -> str:
    """A failed delivery's recorded error as a sentence in the reader's language."""
    error = str(value or "")
    if not error:
        return ""
    kind = error.split(":", 1)[0].strip()
    if kind.startswith("HTTP ") or kind not in _UNREACHABLE:
        return _("it answered, but with no acknowledgement we could verify")
    return _("it cannot be reached")
