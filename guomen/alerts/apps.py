from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "guomen.alerts"
    verbose_name = _("Alerts")

    def ready(self) -> None:
        from guomen.core import registry

        from . import counting, tasks, views

        post_migrate.connect(counting.restore, sender=self, dispatch_uid="guomen.alerts.counting.restore")

        registry.periodic("alerts.escalate", tasks.escalate, every_seconds=60)
        registry.nav(_("Alerts"), "alerts:inbox", roles=views.INBOX_ROLES, order=30)
