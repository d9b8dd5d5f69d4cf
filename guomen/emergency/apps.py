from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmergencyConfig(AppConfig):
    name = "guomen.emergency"
    verbose_name = _("Emergency plans and drills")

    def ready(self) -> None:
        from guomen.alerts import registry as alert_kinds
        from guomen.core import registry
        from guomen.exchange import hooks as exchange_hooks
        from guomen.org.roles import READ_ALL_ROLES

        from . import demo, panels, tasks, triggers

        registry.nav(_("Emergency plans"), "emergency:plans", roles=READ_ALL_ROLES, order=8)
        registry.panel("emergency/panels/readiness.html", panels.readiness_panel, roles=READ_ALL_ROLES, order=8)
        registry.dashboard_block("emergency/panels/dashboard.html", panels.dashboard_block, order=55)
        registry.periodic("emergency: evaluate plan triggers", tasks.evaluate_triggers, every_seconds=5 * 60)
        registry.periodic("emergency: play due drill injects", tasks.play_due_injects, every_seconds=60)
        registry.hook("partner_case_notice", triggers.partner_case_notice)
        exchange_hooks.on_case_notice(triggers.exchange_case_notice)
        registry.demo_step("emergency plans for the four scenarios", demo.generate_demo_plans, order=40)
        alert_kinds.kind(triggers.ALERT_KIND, _("Emergency plan suggested by its trigger"))
