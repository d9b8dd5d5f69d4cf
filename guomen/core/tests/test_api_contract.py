"""The API keeps its contract for malformed requests: the one error shape, never a 500, and an
OpenAPI document whose schema names are unique across every router."""

from __future__ import annotations

import inspect

import pytest
from ninja import Schema

pytestmark = pytest.mark.django_db

NO_BOUNDARY = "multipart/form-data"  # a multipart body without its boundary parameter


@pytest.mark.parametrize(
    ("username", "path"),
    [
        ("ruili_port", "/api/loop/manifests"),
        ("ruili_patrol", "/api/duty/patrols/00000000-0000-0000-0000-000000000000/gpx"),
    ],
)
def test_multipart_upload_without_boundary_answers_400_in_the_error_shape(api_as, username, path):
    r = api_as(username).post(path, data=b"--x\r\n", content_type=NO_BOUNDARY)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "bad_multipart"
    zh = api_as(username).post(path, data=b"--x\r\n", content_type=NO_BOUNDARY, HTTP_ACCEPT_LANGUAGE="zh-hans")
    r = api_as(username).post(path, data=b"--x\r\n", content_type=NO_BOUNDARY, HTTP_ACCEPT_LANGUAGE="en")
    assert zh.json()["error"]["message"] != r.json()["error"]["message"]


@pytest.mark.parametrize("params", ["offset=99999999999999999999", "limit=99999999999999999999", "offset=-1"])
def test_paging_out_of_range_is_refused_with_422(api_as, params):
    r = api_as("ruili").get(f"/api/loop/journeys?{params}")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid"


def test_every_list_endpoint_with_paging_shares_one_bounded_schema(client):
    doc = client.get("/api/openapi.json").json()
    for path, ops in doc["paths"].items():
        for op in ops.values():
            for p in op.get("parameters", []):
                if p["name"] in ("offset", "limit"):
                    assert "maximum" in p["schema"], (path, p["name"])


def _schema_classes() -> dict[str, list[str]]:
    """Every Schema class defined in a router module of the project, by class name."""
    from guomen import api as project_api

    names: dict[str, list[str]] = {}
    for _prefix, router in project_api.api._routers:
        for path_view in router.path_operations.values():
            for op in path_view.operations:
                module = inspect.getmodule(op.view_func)
                for name, obj in vars(module).items():
                    if inspect.isclass(obj) and issubclass(obj, Schema) and obj.__module__ == module.__name__:
                        names.setdefault(name, [])
                        if module.__name__ not in names[name]:
                            names[name].append(module.__name__)
    return names


def test_no_two_routers_define_a_schema_of_the_same_name():
    clashes = {name: mods for name, mods in _schema_classes().items() if len(mods) > 1}
    assert not clashes


def test_openapi_components_name_each_schema_class_once(client):
    components = set(client.get("/api/openapi.json").json()["components"]["schemas"])
    assert {"DutyTaskIn", "DutyTaskOut", "DispatchTaskIn", "DispatchTaskOut"} <= components
    assert not {"TaskIn", "TaskOut"} & components


@pytest.mark.parametrize(
    "query",
    [
        "start=0903-08-08T19:28:57Z&end=0518-08-24T11:20:44-21:15",  # an offset no zone has (PostgreSQL refuses it)
        "start=0001-01-01T00:00:00%2B05:00&end=2020-01-02T00:00:00Z",  # before the calendar once in UTC
    ],
)
def test_an_impossible_instant_is_refused_with_422_not_a_server_error(api_as, query):
    r = api_as("ruili").get(f"/api/duty/shifts?{query}")
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid"


def test_an_instant_in_a_body_is_checked_the_same_way(api_as):
    import json

    body = {"unit": "ruili-cmd", "title": "t", "due_at": "2030-01-01T00:00:00+20:00"}
    r = api_as("ruili").post("/api/command/tasks", data=json.dumps(body), content_type="application/json")
    assert r.status_code == 422
