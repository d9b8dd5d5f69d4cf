"""The public pages' own language switch: zh-Hans and English everywhere, and Burmese, Lao and
Vietnamese on the report form. It never changes ``settings.LANGUAGES``, so staff pages keep their two."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import translation

COOKIE = "guomen_public_lang"
# (code, name in its own language)
PUBLIC_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
REPORT_LANGUAGES = [*PUBLIC_LANGUAGES, ("my", "မြန်မာ"), ("lo", "ລາວ"), ("vi", "Tiếng Việt")]
CODES = {c for c, _n in REPORT_LANGUAGES}


def public_language(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Render the view in ``?lang=`` (remembered in a cookie) or else the visitor's usual language."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        asked = (request.GET.get("lang") or "").lower()
        lang = asked if asked in CODES else request.COOKIES.get(COOKIE, "")
        if lang not in CODES:
            lang = translation.get_language() or "zh-hans"
        with translation.override(lang):
            request.public_lang = lang
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()
        if asked in CODES:
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="Lax")
        response.headers.setdefault("Content-Language", lang)
        return response

    return wrapped
