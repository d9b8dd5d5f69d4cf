from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrgConfig(AppConfig):
    name = "guomen.org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.contrib.auth import get_user_model

        from . import models

        auditlog.register(models.Unit)
        auditlog.register(models.Membership)
        auditlog.register(get_user_model(), exclude_fields=["password", "last_login"])

        from guomen.core import registry

        from . import demo

        registry.demo_step("demo units", demo.generate_demo_units, order=20)
        registry.demo_step("demo users", lambda: len(demo.generate_demo_users()), order=21)
