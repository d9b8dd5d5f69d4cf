"""The API's URLs, matched by their first segment, find what Django's own walk through every route finds."""

import re

import pytest
from django.urls import Resolver404, URLResolver, get_resolver

SAMPLE = {"uuidstr": "00000000-0000-0000-0000-000000000001"}


def _api() -> URLResolver:
    return next(p for p in get_resolver().url_patterns if str(p.pattern) == "api/")


def _walk(api: URLResolver, path: str):
    """Django's resolver trying every route in turn, as without the first-segment index."""
    return URLResolver.resolve(api, path)


def _seen(match) -> tuple:
    return (match.func, match.args, match.kwargs, match.url_name, match.route, match.namespaces, match.app_names, match.view_name)


def test_every_api_route_resolves_to_the_same_view_arguments_and_name():
    api = _api()
    assert type(api) is not URLResolver  # the index is in place
    assert len(api.url_patterns) > 100
    for p in api.url_patterns:
        path = "api/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLE.get(m.group(1) or "", "x1"), str(p.pattern))
        assert _seen(api.resolve(path)) == _seen(_walk(api, path)), path


@pytest.mark.parametrize(
    "path",
    ["api/", "api/health", "api/people/", "api/people", "api/loop/nothing", "api/nothing/here", "api/loop/journeys/a/b/c", "api//x"],
)
def test_a_path_resolves_or_fails_as_through_every_route(path):
    api = _api()
    try:
        expected = _seen(_walk(api, path))
    except Resolver404 as e:
        with pytest.raises(Resolver404) as got:
            api.resolve(path)
        assert got.value.args[0]["tried"] == e.args[0]["tried"]  # the same 404, every route listed
        return
    assert _seen(api.resolve(path)) == expected
