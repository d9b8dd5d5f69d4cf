"""The one REST API: every app mounts its router here. OpenAPI at /api/docs."""

from __future__ import annotations

import contextlib
from typing import Any

from django.urls import Resolver404, ResolverMatch, URLPattern, URLResolver
from django.urls.resolvers import RoutePattern
from django.utils.functional import cached_property
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


class ByFirstSegment(URLResolver):
    """The API's URLs (``path(route, api.urls)`` as Django builds it: same patterns, names, reverse)
    that, for a path below it, tries only the routes whose first segment is the path's own
    (``loop/…``, ``duty/…``) — in their order, through a resolver of the same prefix, namespace and
    arguments holding just those routes — instead of each of the API's 130-odd routes in turn
    (tens of microseconds a call, the route of the no-op being the last). Two routes with different
    literal first segments never match the same path, so a path finds the same view, arguments,
    name and route; a path that finds nothing there (and a path without a second segment) goes
    through every route as before, for the same 404."""

    @cached_property
    def _by_head(self) -> dict[str, URLResolver] | None:
        heads: dict[str, list[Any]] = {}
        for p in self.url_patterns:
            if not isinstance(p, URLPattern) or not isinstance(p.pattern, RoutePattern):
                return None
            head, slash, _rest = str(p.pattern).partition("/")
            if "<" in head:
                return None
            if slash:
                heads.setdefault(head, []).append(p)
        return {
            head: URLResolver(self.pattern, routes, self.default_kwargs, app_name=self.app_name, namespace=self.namespace)
            for head, routes in heads.items()
        }

    def resolve(self, path: Any) -> ResolverMatch:
        match = self.pattern.match(str(path))
        if match is not None and self._by_head is not None:
            head, slash, _rest = match[0].partition("/")
            part = self._by_head.get(head) if slash else None
            if part is not None:
                with contextlib.suppress(Resolver404):
                    return part.resolve(path)
        return super().resolve(path)


def api_urls(route: str, api: NinjaAPI) -> ByFirstSegment:
    """``path(route, api.urls)``, matched by first segment."""
    patterns, app_name, namespace = api.urls
    return ByFirstSegment(RoutePattern(route), patterns, app_name=app_name, namespace=namespace)


class GuomenAPI(NinjaAPI):
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
