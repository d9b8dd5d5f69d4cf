from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PublicConfig(AppConfig):
    name = "guomen.public"
    label = "public"
    verbose_name = _("Public information and citizen reports")

    def ready(self) -> None:
        from auditlog.registry import auditlog
        from django.urls import reverse

        from guomen.alerts import registry as alert_kinds
        from guomen.core import registry
        from guomen.org.models import Role
        from guomen.org.roles import COMMAND_ROLES
        from guomen.places.queries import MAP_LAYERS

        from . import demo, models, reports, tasks
        from .models import ReportStatus

        for model in (models.Bulletin, models.Question, models.CitizenReport):
            auditlog.register(model, exclude_fields=["photo"] if model is models.CitizenReport else None)
        office = (Role.INFORMATION_OFFICER, Role.PROVINCE_COMMAND, Role.AUDITOR)
        registry.nav(_("Bulletins"), "public:office", roles=office, order=60)
        registry.nav(_("Questions"), "public:office_questions", roles=office, order=61)
        registry.nav(
            _("Citizen reports"),
            "public:office_reports",
            roles=(*COMMAND_ROLES, Role.AUDITOR, Role.PATROL_MEMBER, Role.GRID_WORKER),
            order=62,
        )
        registry.periodic("citizen report checks", tasks.public_checks, every_seconds=15 * 60)
        alert_kinds.kind(reports.ALERT_KIND, _("Citizen report step overdue"))
        alert_kinds.ref_type(
            reports.REF,
            url=lambda code: reverse("public:office_report", args=[code]),
            state_label=lambda s: ReportStatus(s).label if s in ReportStatus.values else s,
        )
        registry.demo_step("public bulletins, questions and citizen reports", demo.generate_demo_public, order=60)
        # The staff map (places) draws approved notices of ports and villages, each linking to its bulletin.
        registry.hook(
            MAP_LAYERS,
            lambda user: {"key": "notices", "label": _("Public notices"), "url": reverse("public:notices_geojson")},
        )
