"""The one REST API: every app mounts its router here. OpenAPI at /api/docs."""

from __future__ import annotations

from typing import Any

from django.urls import ResolverMatch, URLPattern, URLResolver, path
from django.urls.resolvers import RoutePattern
from ninja import NinjaAPI

from guomen.alerts.api import router as alerts_router
from guomen.command.api import router as command_router
from guomen.core.api import router as core_router
from guomen.core.apiauth import AUTH
from guomen.core.apierrors import install_error_handlers
from guomen.core.health import router as health_router
from guomen.duty.api import router as duty_router
from guomen.emergency.api import router as emergency_router
from guomen.exchange.api import router as exchange_router
from guomen.loop.api import router as loop_router
from guomen.loop.fhir_api import router as fhir_router
from guomen.loop.manifest_api import router as loop_manifest_router
from guomen.org.api import router as org_router
from guomen.people.api import router as people_router
from guomen.places.api import router as places_router
from guomen.public.api import router as public_router
from guomen.shell.api import router as shell_router


class _Prefix(URLResolver):
    """An include that, for a path outside its prefix, answers None as a single route does instead
    of raising ``Resolver404``: the caller then tries the next pattern and records this one as
    tried, exactly as it does for the exception (whose raising and catching cost more than the
    test of the prefix)."""

    def resolve(self, path: Any) -> ResolverMatch | None:
        if self.pattern.match(str(path)) is None:
            return None
        return super().resolve(path)


def by_first_segment(patterns: list) -> list:
    """The same routes, those that share a first segment (``loop/…``, ``duty/…``) behind one prefix
    each: a request is matched against a score of prefixes and then its own group, not against
    each of the API's 130-odd routes in turn (tens of microseconds a request). Two routes with
    different literal first segments never match the same path, so every path resolves to the same
    view, arguments, name and route. Left as they are if any route is not a plain ``path()`` or has
    a parameter in its first segment."""
    if any(not isinstance(p, URLPattern) or not isinstance(p.pattern, RoutePattern) for p in patterns):
        return patterns
    groups: dict[str, list[URLPattern]] = {}
    order: list[URLPattern | str] = []
    for p in patterns:
        head, slash, rest = str(p.pattern).partition("/")
        if "<" in head:
            return patterns
        if not slash:
            order.append(p)
            continue
        if head not in groups:
            groups[head] = []
            order.append(head)
        groups[head].append(path(rest, p.callback, p.default_args, name=p.name))
    return [_Prefix(RoutePattern(f"{x}/"), groups[x]) if isinstance(x, str) else x for x in order]


class GuomenAPI(NinjaAPI):
    @property
    def urls(self) -> tuple[list, str, str]:
        patterns, app_name, namespace = super().urls
        return by_first_segment(patterns), app_name, namespace

    def get_openapi_operation_id(self, operation) -> str:
        """``guomen_<app>_api_<view>``, also where an app's API is a package of subject modules."""
        parts = operation.view_func.__module__.split(".")
        if len(parts) > 3 and parts[0] == "guomen" and parts[2] == "api":
            parts = parts[:3]
        return "_".join([*parts, operation.view_func.__name__])


api = GuomenAPI(
    title="guomen API",
    version="1",
    description=(
        "The closed loop and the border controls over HTTP. Every read is limited to the caller's "
        "units and jurisdictions; objects outside them answer 404. Writes accept an `Idempotency-Key` "
        "header: a retry with the same key returns the first answer and changes nothing. Errors have "
        'one shape: `{"error": {"code": "...", "message": "...", "details": ...}}`.'
    ),
    auth=AUTH,
    urls_namespace="api",
    docs_url="/docs",
)


install_error_handlers(api)
api.add_router("/", health_router)
api.add_router("/", shell_router)
api.add_router("/", core_router)
api.add_router("/places", places_router)
api.add_router("/org", org_router)
api.add_router("/people", people_router)
api.add_router("/alerts", alerts_router)
api.add_router("/loop", loop_router)
api.add_router("/loop", loop_manifest_router)
api.add_router("/duty", duty_router)
api.add_router("/command", command_router)
api.add_router("/fhir", fhir_router)
api.add_router("/public", public_router)
api.add_router("/emergency", emergency_router)
api.add_router("/exchange", exchange_router)
