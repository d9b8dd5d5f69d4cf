from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlacesConfig(AppConfig):
    name = "guomen.places"
    verbose_name = _("Places")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from . import models

        auditlog.register(models.Jurisdiction)
        auditlog.register(models.Passage)

        from guomen.core import registry

        from . import reference

        registry.demo_step("reference: province, border prefectures, counties, ports", reference.load_reference, order=10)
        registry.demo_step("demo townships and villages", reference.generate_demo_places, order=11)
