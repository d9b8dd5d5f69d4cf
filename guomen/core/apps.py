from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guomen.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from guomen.org.models import Role

        from . import append_only, panels, registry, tasks

        post_migrate.connect(append_only.restore, sender=self, dispatch_uid="guomen.core.append_only.restore")

        registry.nav(_("Home"), "home", order=0)
        registry.nav(_("Places"), "jurisdiction_list", order=80)
        registry.nav(_("Units"), "unit_list", order=81)
        registry.nav(_("Access audit"), "access_log", roles=(Role.AUDITOR, Role.ADMINISTRATOR), order=90)
        registry.nav(_("Administration"), "admin:index", roles=(Role.ADMINISTRATOR,), order=99)
        panels.register()
        registry.periodic("core: purge expired Idempotency-Key answers", tasks.purge_idempotency, every_seconds=60 * 60)
