"""The abstract base of every named thing that has a Chinese and an English name."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Bilingual(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        """The name in the reader's language: Chinese, English, or — for the neighbours' languages of
        the public pages (Burmese, Lao, Vietnamese) — the name in Latin letters with the Chinese one
        after it, as it is written on the signs on the ground."""
        lang = get_language() or "zh-hans"
        if lang.startswith("zh") or not self.name_en:
            return self.name_zh
        if lang.startswith("en") or not self.name_zh or self.name_zh == self.name_en:
            return self.name_en
        return f"{self.name_en} ({self.name_zh})"

    def __str__(self) -> str:
        return self.name
