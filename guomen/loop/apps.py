from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoopConfig(AppConfig):
    name = "guomen.loop"
    verbose_name = _("Closed loop")

    def ready(self) -> None:
        # --- the sweep and the demo journeys ---
        from guomen.core import registry

        from . import alerting, demo, queries, services, sync, tasks

        alerting.register()
        sync.register()  # the writes a field device may queue offline
        # what loop adds to the apps below it: a person's reach, the village page's monitored list
        registry.hook("people.person_reach", queries.persons_through_journeys)
        registry.hook("places.village_page", queries.village_monitored)
        registry.hook("people.person_export", services.person_export_journeys)
        registry.periodic("loop.retention", tasks.apply_retention, every_seconds=6 * 3600)
        registry.periodic("loop.event_partitions", tasks.event_partitions_ahead, every_seconds=6 * 3600)
        registry.periodic("loop.sweep_and_escalate", tasks.sweep_and_escalate, every_seconds=60)
        registry.demo_step("demo journeys in every state", demo.generate_demo_journeys, order=40)
        # --- end of the sweep and the demo journeys ---

        # --- the pages: navigation per role and the home panel ---
        self._register_pages()
        # --- end of the pages ---

    def _register_pages(self) -> None:
        from guomen.core import registry
        from guomen.org.models import Role
        from guomen.org.roles import CUSTODY_ROLES, LOOP_ROLES

        from . import views

        registry.nav(_("Port desk"), "loop:port", roles=(Role.PORT_OFFICER,), order=20)
        registry.nav(_("Transfers"), "loop:transfer", roles=(Role.TRANSFER_TEAM,), order=21)
        registry.nav(_("Quarantine"), "loop:facility", roles=(Role.FACILITY_STAFF,), order=22)
        registry.nav(_("Hospital"), "loop:hospital", roles=(Role.HOSPITAL_STAFF,), order=23)
        registry.nav(_("Home monitoring"), "loop:village", roles=(Role.GRID_WORKER,), order=24)
        registry.nav(_("Accept a handover"), "loop:scan", roles=CUSTODY_ROLES, order=25)
        registry.panel("loop/panels/waiting.html", views.panel_waiting, roles=LOOP_ROLES, order=15)
