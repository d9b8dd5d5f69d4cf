"""The Atom feed of published bulletins (Django's syndication framework). Drill bulletins
(``exercise``) never appear: the feed reads ``queries.public_bulletins`` like the page."""

from __future__ import annotations

from typing import Any

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext_lazy as _

from . import queries
from .models import Bulletin


class BulletinFeed(Feed):
    feed_type = Atom1Feed
    title = _("Yunnan border: official bulletins")
    subtitle = _("Approved figures and notices of the border epidemic-prevention command")
    author_name = _("Yunnan Command Information Office")

    def link(self) -> str:
        return reverse("public:home")

    def feed_url(self) -> str:
        return reverse("public:feed")

    def items(self) -> list[Bulletin]:
        return list(queries.public_bulletins()[:50])

    def item_title(self, item: Bulletin) -> str:
        return item.title

    def item_description(self, item: Bulletin) -> str:
        return item.body

    def item_link(self, item: Bulletin) -> str:
        return reverse("public:bulletin", args=[item.public_id])

    def item_guid(self, item: Bulletin) -> str:
        return f"urn:uuid:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Bulletin) -> Any:
        return item.published_at

    def item_updateddate(self, item: Bulletin) -> Any:
        return item.published_at

    def item_categories(self, item: Bulletin) -> list[str]:
        return [item.get_msg_type_display(), item.get_topic_display()]
