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
        auditlog.register(models.BorderSegment)
        auditlog.register(models.PassageStatus)
        auditlog.register(models.VillageStatus)
        auditlog.register(models.Grid)

        from guomen.core import registry

        from . import reference

        registry.demo_step("reference: province, border prefectures, counties, ports", reference.load_reference, order=10)
        from . import demo, villages

        registry.demo_step("real townships and village committees of the border counties", villages.load_real_places, order=11)

        registry.demo_step("border segments cut from the county shapes' border", demo.generate_demo_segments, order=12)
        registry.demo_step("demo informal paths and fords", demo.generate_demo_passages, order=13)
        registry.demo_step("demo passage and village status histories", demo.generate_demo_statuses, order=14)
        # These two name demo users and units, so they run after org's demo units and users (20-21).
        registry.demo_step("demo segment owners", demo.generate_demo_segment_owners, order=22)
        registry.demo_step("demo grids and grid workers", demo.generate_demo_grids, order=23)
        registry.nav(_("Map"), "places_map", order=70)

        from guomen.alerts import registry as alert_kinds

        alert_kinds.kind("closed_passage", _("Crossing at a closed passage"))

        from . import tasks

        registry.periodic("places: delete self-declarations past their retention", tasks.purge_declarations, every_seconds=6 * 3600)
