from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LoopConfig(AppConfig):
    name = "guomen.loop"
    verbose_name = _("Closed loop")
