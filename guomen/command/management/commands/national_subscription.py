"""On the national instance: subscribe to one province's published counts."""

from django.core.management.base import BaseCommand, CommandError

from guomen.command import national


class Command(BaseCommand):
    help = "Subscribe this (national) database to a province's publication of counts."

    def add_arguments(self, parser):
        parser.add_argument("name", help="a short name for the province, e.g. yunnan")
        parser.add_argument(
            "conninfo", help="libpq connection string of the province's database, e.g. 'host=db.yn port=5432 dbname=guomen user=replicator'"
        )

    def handle(self, *args, name, conninfo, **options):
        try:
            state = national.subscription_create(name, conninfo)
        except (RuntimeError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"subscription guomen_{name.lower()}: {state}")
