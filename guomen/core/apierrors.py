"""Every API error in one shape: {"error": {"code": ..., "message": ..., "details": ...}}."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from guomen.lib.errors import DomainError

from .apifields import field_label

# Where a value came from (the first step of a validation error's ``loc``).
_SOURCES = frozenset({"body", "query", "path", "form", "file", "header", "cookie"})


def field_path(loc: list[Any] | tuple[Any, ...]) -> str:
    """The field an error is about, as the user reads it: "Items › no. 2 › Temperature (°C)".
    The body's parameter (``payload``) is left out when a field inside it is named."""
    steps = list(loc)
    if steps and steps[0] in _SOURCES:
        source, steps = steps[0], steps[1:]
        if source == "body" and len(steps) > 1:
            steps = steps[1:]
    parts = []
    for step in steps:
        if isinstance(step, int):
            parts.append(_("no. %(n)d") % {"n": step + 1})
        else:
            parts.append(field_label(step) or _("a field"))
    return " › ".join(parts) or _("The request body")


def _expected(ctx: dict[str, Any]) -> str:
    values = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
    return pgettext("between values", ", ").join(f"“{v}”" for v in values)


def problem(error: dict[str, Any]) -> str:
    """What is wrong with the value, in the user's language (pydantic's error types)."""
    kind, ctx = str(error.get("type", "")), error.get("ctx") or {}
    if kind == "missing":
        return _("is required")
    if kind.startswith("int_"):
        return _("must be a whole number")
    if kind.startswith(("float_", "decimal_")):
        return _("must be a number")
    if kind.startswith("bool_"):
        return _("must be “true” or “false”")
    if kind.startswith("datetime_"):
        return _("must be a date and time (ISO 8601)")
    if kind.startswith("date_"):
        return _("must be a date (YYYY-MM-DD)")
    if kind.startswith("uuid_"):
        return _("must be an identifier (UUID)")
    if kind in ("list_type", "tuple_type", "set_type", "iterable_type"):
        return _("must be a list")
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return _("must be an object")
    if kind == "string_type":
        return _("must be text")
    if kind in ("string_too_short", "too_short"):
        return _("is too short (at least %(n)s)") % {"n": ctx.get("min_length", ctx.get("min_items", 1))}
    if kind in ("string_too_long", "too_long"):
        return _("is too long (at most %(n)s)") % {"n": ctx.get("max_length", ctx.get("max_items", ""))}
    if kind in ("greater_than", "greater_than_equal"):
        return _("must be at least %(n)s") % {"n": ctx.get("ge", ctx.get("gt", ""))}
    if kind in ("less_than", "less_than_equal"):
        return _("must be at most %(n)s") % {"n": ctx.get("le", ctx.get("lt", ""))}
    if kind in ("enum", "literal_error") and _expected(ctx):
        return _("must be one of %(values)s") % {"values": _expected(ctx)}
    if kind == "extra_forbidden":
        return _("is not a field of this request")
    if kind == "json_invalid":
        return _("is not valid JSON")
    return _("is not valid")


def described(error: dict[str, Any]) -> dict[str, Any]:
    """A validation error for clients and people: the machine-readable ``loc`` and ``type`` as
    given, the field's label path and a message in the user's language."""
    loc = list(error.get("loc") or ())
    field = field_path(loc)
    out = {k: v for k, v in error.items() if k in ("type", "loc", "msg")}
    out["field"] = field
    out["message"] = _("%(field)s %(problem)s") % {"field": field, "problem": problem(error)}
    return out


def install_error_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, code: str, message: str, details: object = None) -> HttpResponse:
        body: dict[str, object] = {"code": code, "message": message}
        if details is not None:
            body["details"] = details
        return api.create_response(request, {"error": body}, status=status)

    @api.exception_handler(DomainError)
    def _domain(request: HttpRequest, exc: DomainError) -> HttpResponse:
        return respond(request, exc.status, exc.code, exc.message, exc.details)

    @api.exception_handler(ValidationError)
    def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        details = [described(e) for e in exc.errors]
        message = _("The request is not valid: %(errors)s") % {
            "errors": pgettext("between errors", "; ").join(d["message"] for d in details)
        }
        return respond(request, 422, "invalid", message, details)

    @api.exception_handler(Http404)
    def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return respond(request, 404, "not_found", _("Not found."))

    @api.exception_handler(PermissionDenied)
    def _forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, "forbidden", str(exc) or _("You may not do this."))

    @api.exception_handler(AuthenticationError)
    def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(request, 401, "unauthenticated", _("Sign in, or send a valid API token."))

    @api.exception_handler(HttpError)
    def _http(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 400 and str(exc) == "Cannot parse request body":  # django-ninja's own words
            return respond(request, 400, "http_error", _("The request body could not be read: send JSON."))
        return respond(request, exc.status_code, "http_error", str(exc))

    @api.exception_handler(MultiPartParserError)
    def _bad_multipart(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
        # Raised by Django while reading any form/file upload, before the view runs.
        return respond(request, 400, "bad_multipart", _("The upload could not be read: send multipart/form-data with its boundary."))

    @api.exception_handler(RequestDataTooBig)
    def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, "too_big", _("The request is too large."))
