"""The command map's data: each county as its polygon (shipped shapes) with the figures a choropleth
is filled by, and the ports. Builds on ``queries.map_features`` (the figures per county and port)."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from guomen.duty import queries as duty_queries
from guomen.lib import clock
from guomen.org.scoping import Scope
from guomen.places.models import Jurisdiction, Level
from guomen.places.reference import geojson, short_name_zh

from . import queries

# The figures a county can be filled by: property name → what it counts.
FIGURES = ("open", "arrivals_today", "alerts_open", "uncovered_posts")


@cache
def county_shapes() -> dict[str, dict[str, Any]]:
    return {f["properties"]["code"]: f["geometry"] for f in geojson("yunnan_border_counties.geojson")["features"]}


def short_names() -> dict[str, str]:
    """瑞丽市 → 瑞丽 in Chinese, Ruili City → Ruili in English: labels that fit."""
    from django.utils.translation import get_language

    english = (get_language() or "").startswith("en")
    return {
        c.code: (c.name_en.split(" ")[0] if english and c.name_en else short_name_zh(c.name_zh))
        for c in Jurisdiction.objects.filter(level=Level.COUNTY)
    }


def uncovered_posts(scope: Scope, node: Jurisdiction, now: datetime) -> dict[str, int]:
    """Per county code: the duty posts with fewer people than required at some hour of the next 24 hours."""
    posts = duty_queries.posts(scope).filter(jurisdiction__path__startswith=node.path)
    result, by_id = duty_queries.coverage_for(posts, now, 24)
    out: dict[str, int] = {}
    for post_id in {g.post for g in result.gaps}:
        post = by_id.get(post_id)
        if post is None or post.jurisdiction is None:
            continue
        parts = post.jurisdiction.path.strip("/").split("/")
        if len(parts) >= 3:
            out[parts[2]] = out.get(parts[2], 0) + 1
    return out


def map_features(scope: Scope, node: Jurisdiction, *, now: datetime | None = None) -> dict[str, Any]:
    now = now or clock.now()
    data = queries.map_features(scope, node, now=now)
    shapes = county_shapes()
    arrivals: dict[str, int] = {}
    for f in data["features"]:
        p = f["properties"]
        if p["kind"] == "port":
            arrivals[p["county"]] = arrivals.get(p["county"], 0) + p["arrivals_today"]
    uncovered = uncovered_posts(scope, node, now)
    for f in data["features"]:
        p = f["properties"]
        if p["kind"] != "county":
            continue
        p["seat"] = f["geometry"]["coordinates"]
        p["short"] = short_names().get(p["code"], p["name"])
        p["arrivals_today"] = arrivals.get(p["code"], 0)
        p["uncovered_posts"] = uncovered.get(p["code"], 0)
        if p["code"] in shapes:
            f["geometry"] = shapes[p["code"]]
    data["figures"] = list(FIGURES)
    data["level"] = node.level
    return data
