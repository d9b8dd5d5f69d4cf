from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShellConfig(AppConfig):
    """The top of the stack: home, navigation, panels, account pages, the access audit page, demo_load."""

    name = "guomen.shell"
    verbose_name = _("Shell")

    def ready(self) -> None:
        from guomen.core import registry
        from guomen.org.models import Role
        from guomen.org.roles import AUDIT_ROLES

        from . import panels

        registry.nav(_("Home"), "home", order=0)
        field_roles = (Role.GRID_WORKER, Role.PATROL_MEMBER, Role.TRANSFER_TEAM, Role.FACILITY_STAFF)
        registry.nav(_("Field (offline)"), "field", roles=field_roles, order=5)
        registry.nav(_("Places"), "jurisdiction_list", order=80)
        registry.nav(_("Units"), "unit_list", order=81)
        registry.nav(_("Access audit"), "access_log", roles=AUDIT_ROLES, order=90)
        registry.nav(_("Administration"), "admin:index", roles=(Role.ADMINISTRATOR,), order=99)
        panels.register()
