from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The base every app stands on; it imports no app: the registry, API tokens, idempotency,
    the API error shape and the access audit."""

    name = "guomen.core"
    verbose_name = _("Core")
