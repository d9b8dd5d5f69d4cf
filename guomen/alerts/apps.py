from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "guomen.alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from guomen.core import registry

        from . import tasks, views

        registry.periodic("alerts.escalate", tasks.escalate, every_seconds=60)
        registry.nav(_("Alerts"), "alerts:inbox", roles=views.INBOX_ROLES, order=30)
