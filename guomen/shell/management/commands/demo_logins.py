from __future__ import annotations

from django.core.management.base import BaseCommand

from guomen.org.demo import DEMO_PASSWORD, demo_users
from guomen.org.models import Role, Unit


class Command(BaseCommand):
    help = "Print the demo logins (one per role)."

    def handle(self, *args, **options):
        units = {u.code: u for u in Unit.objects.all()}
        self.stdout.write(f"Demo logins — every password is {DEMO_PASSWORD}")
        for username, _name, role, unit_code in demo_users():
            unit = units.get(unit_code)
            where = f"{unit.name_zh} / {unit.name_en}" if unit else unit_code
            self.stdout.write(f"  {username:<16} {Role(role).label:<28} {where}")
