"""The one REST API: every app mounts its router here. OpenAPI at /api/docs."""

from __future__ import annotations

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
