from __future__ import annotations

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from guomen.core import registry
from guomen.places.models import Jurisdiction


class Command(BaseCommand):
    help = "Load the real Yunnan border reference data and generate the demo data (marked as demo)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if the database already holds places.")
        parser.add_argument("--allow-production", action="store_true", help="Needed to load demo data with GUOMEN_ENV=production.")

    def handle(self, *args, if_empty: bool = False, allow_production: bool = False, **options):
        if settings.PRODUCTION and not allow_production:
            raise CommandError("Refusing to load demo data in production without --allow-production.")
        if if_empty and Jurisdiction.objects.exists():
            self.stdout.write("The database already holds data; demo data not loaded.")
            return
        # Demo rows are generated, not decided by anyone: keep them out of the change audit.
        with disable_auditlog():
            for step in registry.DEMO_STEPS:
                result = step.run()
                self.stdout.write(f"  {step.name}: {result}")
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        if options.get("verbosity", 1) >= 1:
            call_command("demo_logins", stdout=self.stdout)
