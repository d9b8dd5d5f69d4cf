from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "guomen.exchange"
    verbose_name = _("Exchange with neighbours")

    def ready(self) -> None:
        from guomen.core import registry
        from guomen.org.models import Role

        from . import demo, panels, queries, tasks

        roles = (Role.PARTNER_LIAISON, Role.PROVINCE_COMMAND, Role.ADMINISTRATOR, Role.AUDITOR)
        registry.nav(_("Liaison desk"), "exchange:desk", roles=roles, order=40)
        registry.hook("org.service_accounts", queries.service_accounts)
        registry.periodic("exchange: send the outbox", tasks.send_outbox, every_seconds=60)
        registry.dashboard_block("exchange/panels/health.html", panels.health, order=60)
        registry.demo_step("exchange partners and messages", demo.generate_demo_exchange, order=60)
