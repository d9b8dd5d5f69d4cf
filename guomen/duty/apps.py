from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "guomen.duty"
    verbose_name = _("Duty and patrols")

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from guomen.core import registry
        from guomen.org.models import Role
        from guomen.org.roles import COMMAND_ROLES

        from . import demo, models, panels, sync, tasks

        sync.register()  # the writes a field device may queue offline

        for model in (models.DutyPost, models.RosterTemplate, models.Patrol, models.DutyTask, models.Incident):
            auditlog.register(model)

        command = COMMAND_ROLES
        registry.nav(_("My duty"), "duty:me", roles=(Role.PATROL_MEMBER,), order=30)
        registry.nav(_("Roster"), "duty:roster", roles=(*command, Role.PATROL_MEMBER, Role.AUDITOR), order=31)
        registry.nav(_("Patrols"), "duty:patrols", roles=(*command, Role.PATROL_MEMBER, Role.AUDITOR), order=32)
        registry.nav(_("Incidents and tasks"), "duty:board", roles=(*command, Role.PATROL_MEMBER, Role.AUDITOR), order=33)
        registry.panel("duty/panels/my_duty.html", panels.my_duty, roles=(Role.PATROL_MEMBER,), order=15)
        registry.panel("duty/panels/border_duty.html", panels.border_duty, roles=command, order=25)
        # Every 15 minutes: uncovered hours in the next 24 h, patrols not started, overdue tasks.
        registry.periodic("duty checks", tasks.duty_checks, every_seconds=15 * 60)
        from guomen.alerts import registry as alert_kinds

        alert_kinds.kind("roster_gap", _("Duty post not staffed"))
        alert_kinds.kind("patrol_not_started", _("Planned patrol not started"))
        alert_kinds.kind("task_overdue", _("Task overdue"))
        # After units (20) and users (21): posts and rosters need both.
        registry.demo_step("duty posts, rosters, patrols, incidents and tasks", demo.generate_demo_duty, order=26)
