from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "guomen.people"
    verbose_name = _("People")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from guomen.core import registry

        from . import models
        from .services import WATCHLIST_ROLES

        auditlog.register(models.Person)
        auditlog.register(models.IdentityDocument, exclude_fields=["number_sealed", "lookup", "number_lookup"])
        auditlog.register(models.DocumentWatch, exclude_fields=["lookup", "number_lookup"])

        from guomen.alerts import registry as alert_kinds
        from guomen.alerts.models import AlertLevel

        from . import audit, tasks

        for code, label in audit.KINDS.items():
            alert_kinds.kind(code, label, max_level=AlertLevel.COUNTY)
        registry.periodic("people: access audit, users far above their peers", tasks.access_peers, every_seconds=15 * 60)
        registry.nav(_("People"), "people_search", roles=WATCHLIST_ROLES, order=30)
        registry.nav(_("Document watch-list"), "people_watch_list", roles=WATCHLIST_ROLES, order=31)
