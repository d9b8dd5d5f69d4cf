"""On a province: publish the counts for the national view by logical replication."""

from django.core.management.base import BaseCommand, CommandError

from guomen.command import national


class Command(BaseCommand):
    help = "Bring the published counts up to date and create the publication the national database subscribes to (PostgreSQL, wal_level=logical)."

    def handle(self, *args, **options):
        written = national.publish()
        try:
            state = national.publication_create()
        except RuntimeError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"publication {national.PUBLICATION}: {state}; {written} rows written")
