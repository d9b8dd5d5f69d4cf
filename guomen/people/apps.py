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

        registry.nav(_("People"), "people_search", roles=WATCHLIST_ROLES, order=30)
        registry.nav(_("Document watch-list"), "people_watch_list", roles=WATCHLIST_ROLES, order=31)
