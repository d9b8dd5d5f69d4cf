from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The base every app stands on; it imports no app: the registry, API tokens, idempotency,
    the API error shape and the access audit."""

    name = "guomen.core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import append_only, registry, tasks

        post_migrate.connect(append_only.restore, sender=self, dispatch_uid="guomen.core.append_only.restore")
        post_migrate.connect(_create_cache_table, sender=self, dispatch_uid="guomen.core.createcachetable")
        registry.periodic("core: purge expired Idempotency-Key answers", tasks.purge_idempotency, every_seconds=60 * 60)


def _create_cache_table(sender, using: str = "default", **kwargs) -> None:
    """`migrate` also makes the database cache's table (the shared counters of every limit)."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)
