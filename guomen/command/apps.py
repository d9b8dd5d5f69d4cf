from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommandConfig(AppConfig):
    name = "guomen.command"
    verbose_name = _("Command")

    def ready(self) -> None:
        from guomen.core import registry
        from guomen.org.models import Role
        from guomen.org.roles import READ_ALL_ROLES

        from . import panels, tasks

        command_roles = READ_ALL_ROLES
        registry.nav(_("Command"), "command:dashboard", roles=command_roles, order=5)
        registry.nav(_("Daily reports"), "command:reports", roles=(*command_roles, Role.PORT_OFFICER), order=6)
        registry.panel("command/panels/command.html", panels.command_panel, roles=command_roles, order=5)
        registry.panel("command/panels/my_tasks.html", panels.my_tasks, order=6)
        registry.periodic("command: flag missing daily reports", tasks.flag_missing_reports, every_seconds=15 * 60)
        registry.periodic("command: escalate overdue dispatch tasks", tasks.escalate_overdue_tasks, every_seconds=5 * 60)
        registry.periodic("command: snapshot the loop counts", tasks.take_loop_snapshot, every_seconds=30 * 60)
        registry.periodic("command: publish the counts for the national view", tasks.publish_national_counts, every_seconds=5 * 60)
        registry.nav(_("National view"), "command:national", roles=(Role.PROVINCE_COMMAND, Role.ADMINISTRATOR, Role.AUDITOR), order=7)

        from guomen.alerts import registry as alert_kinds
        from guomen.alerts.models import AlertLevel

        alert_kinds.kind("report_missing", _("Daily report missing"), max_level=AlertLevel.COUNTY, summarised_above=AlertLevel.COUNTY)
        alert_kinds.kind("reports_missing", _("Daily reports missing (summary)"), max_level=AlertLevel.PREFECTURE)
        alert_kinds.kind("task_overdue", _("Task overdue"))
