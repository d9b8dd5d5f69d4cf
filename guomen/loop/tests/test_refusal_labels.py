"""A refusal names the field by its label in the reader's language, never by its code name: the
main forms and APIs are given bad input (an invisible character, a wrong choice) and every error
they answer is scanned for the codes of the fields involved; and every call of the one text
cleaner names its field."""

from __future__ import annotations

import ast
import html
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from guomen.loop import services as s
from guomen.loop.models import Disposition
from guomen.loop.tests.factories import person, u, who
from guomen.org.models import Role

pytestmark = pytest.mark.django_db

RLO = "\u202e"  # an invisible character every text field refuses, past the forms' own checks
CODES = {
    "came_from",
    "place",
    "name",
    "phone",
    "note",
    "reason",
    "override_reason",
    "sample_id",
    "without_card_reason",
    "kind",
    "number",
    "document_number",
    "document_kind",
    "origin_place",
    "name_native",
    "text",
    "room",
}
LANGS = ("zh-hans", "en")
UNNAMED = re.compile(r"^(The text |文本)|[.。] (The text |文本)")


def page_errors(body: str) -> list[str]:
    found = re.findall(r'class="errorlist[^"]*"[^>]*>(.*?)</(?:ul|span)>', body, re.S)
    found += re.findall(r'class="msg error[^"]*"[^>]*>(.*?)</p>', body, re.S)
    found += re.findall(r'id="manifest-rejected"[^>]*>(.*?)</table>', body, re.S)
    return [re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", x))).strip() for x in found]


def raw_codes(message: str, lang: str) -> set[str]:
    words = set(re.findall(r"[A-Za-z_]+", re.sub(r"“[^”]*”", "", message)))  # not what the user typed, quoted
    hits = {w for w in words if "_" in w}
    hits |= {w for w in CODES if message.startswith(w) or f"({w})" in message or f"“{w}”" in message or f"{w}:" in message}
    if lang == "zh-hans":  # in Chinese no word in Latin letters is a label (Unicode's own names are capitals)
        hits |= {w for w in words if not w.isupper() and len(w) > 2}
    return hits


def check(answers: list[tuple[str, str, list[str]]]) -> None:
    assert answers and all(messages for _w, _l, messages in answers), [a for a in answers if not a[2]]
    # the field is named: by its label, not by a code, nor left unnamed as "the text"
    bad = [(what, lang, m) for what, lang, messages in answers for m in messages if raw_codes(m, lang) or UNNAMED.search(m)]
    assert not bad, bad


def test_the_page_forms_name_fields_by_their_label(client_as, user):
    grid = client_as("ruili_grid")
    village = user("ruili_grid").memberships.get(role=Role.GRID_WORKER).unit.jurisdiction
    base = {"village": village.pk, "name": "李返乡", "nationality": "CHN", "came_from_country": "MMR", "came_from": "木姐", "risk": "high"}
    answers = []
    for lang in LANGS:
        for field in ("name", "phone", "came_from", "place"):
            r = grid.post("/places/returnees/new/", {**base, field: "甲" + RLO}, HTTP_ACCEPT_LANGUAGE=lang)
            answers.append((f"returnee {field}", lang, page_errors(r.content.decode())))
        r = grid.post("/places/returnees/new/", {**base, "document_number": "AB" + RLO}, HTTP_ACCEPT_LANGUAGE=lang)
        answers.append(("returnee document", lang, page_errors(r.content.decode())))
    j = s.returnee_report(actor=who("ruili_grid"), village=village, name="王返乡")
    s.journey_screen(actor=who("ruili_grid"), journey=j, temperature=36.5)
    for lang in LANGS:
        for action, field in (("sample", "sample_id"), ("home_here", "note"), ("dispose", "note")):
            data = {field: "甲" + RLO, "disposition": Disposition.RELEASE}
            r = grid.post(reverse("loop:act", args=[j.code, action]), data, HTTP_ACCEPT_LANGUAGE=lang)
            answers.append((f"journey {action}", lang, page_errors(r.content.decode())))
    port = client_as("ruili_port")
    register = {"name_native": "测试", "nationality": "MMR", "sex": "M", "category": "traveller", "doc_kind": "passport"}
    register |= {"doc_number": "MA1234567", "risk": "medium"}
    for lang in LANGS:
        for field in ("name_native", "phone", "origin_place", "doc_number"):
            r = port.post(reverse("loop:register"), {**register, field: "MA12" + RLO}, HTTP_ACCEPT_LANGUAGE=lang)
            answers.append((f"register {field}", lang, page_errors(r.content.decode())))
    mohan = client_as("mohan_port")
    header = "姓名,国籍,证件类型,证件号码,预计入境时间,出发地\n"
    rows = "甲,LAO,bogus,PM123456,2030-04-02 10:30,Boten\n乙,LAO,passport,PM1" + RLO + "23,2030-04-02 10:30,Boten\n"
    for lang in LANGS:
        upload = SimpleUploadedFile("m.csv", (header + rows).encode())
        r = mohan.post(reverse("loop:manifest"), {"file": upload}, HTTP_ACCEPT_LANGUAGE=lang)
        answers.append(("manifest", lang, page_errors(r.content.decode())))
    check(answers)


def test_the_apis_name_fields_by_their_label(api_as):
    port = api_as("ruili_port")

    def post(client, path, body, lang):
        r = client.post(path, data=json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code in (400, 409, 422), (path, r.status_code, r.content)
        return [r.json()["error"]["message"]]

    answers = []
    doc = {"kind": "passport", "number": "MA123456", "issuing_country": "MMR"}
    for lang in LANGS:
        for body in (
            {"name_native": "甲" + RLO},
            {"phone": "1" + RLO},
            {"documents": [{**doc, "number": "MA" + RLO}]},
            {"birth_date": "yesterday"},
        ):
            answers.append((f"people {body}", lang, post(port, "/api/people/", {"unit": "port-ruili", "name_native": "甲", **body}, lang)))
        p = person()
        body = {"port_unit": "port-ruili", "person": str(p.public_id), "origin_place": "木姐" + RLO}
        answers.append(("arrival origin_place", lang, post(port, "/api/loop/arrivals", body, lang)))
    j = s.journey_arrive(actor=who("ruili_port"), unit=u("port-ruili"), person=person(), origin_country="MMR")
    for lang in LANGS:
        answers.append(("sample", lang, post(port, f"/api/loop/journeys/{j.code}/samples", {"sample_id": "S" + RLO}, lang)))
        body = {"disposition": "quarantine", "to_unit": "c533102-hotel1", "note": "甲" + RLO}
        answers.append(("disposition note", lang, post(port, f"/api/loop/journeys/{j.code}/disposition", body, lang)))
    check(answers)


def test_every_call_of_the_text_cleaner_names_its_field():
    """``lib.text.clean_text`` gets the field's translated label; people's own cleaner finds it in
    ``people.services.FIELD_LABELS``."""
    from guomen.people.services import FIELD_LABELS

    root = Path(__file__).resolve().parents[2]
    unlabelled, unknown = [], []
    for path in root.rglob("*.py"):
        if {"tests", "migrations"} & set(path.parts):
            continue
        source = path.read_text()
        people_cleaner = path.parent.name == "people" and "from guomen.lib.text import clean_text" not in source
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
            if name != "clean_text" or any(k.arg == "label" for k in node.keywords):
                continue
            where = f"{path.relative_to(root)}:{node.lineno}"
            if not people_cleaner:
                unlabelled.append(where)
            elif len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and node.args[1].value not in FIELD_LABELS:
                unknown.append(where)
    assert not unlabelled, unlabelled
    assert not unknown, unknown


def test_the_apis_validation_errors_name_fields_by_their_label_and_keep_the_path(api_as):
    """A value of the wrong type or a missing field (django-ninja's validation, before any service):
    the message names each field by its label in the reader's language — "Items › no. 1 ›
    Temperature" — and ``details`` keep the machine-readable ``loc`` for clients."""
    hotel = api_as("ruili_hotel")
    cases = [
        ("/api/loop/journeys/GMXXXXXXXX/checks", {"temperature": "hot", "symptoms": "cough"}, ["temperature"], ["symptoms"]),
        (
            "/api/loop/checks/batch",
            {"unit": "c533102-hotel1", "items": [{"journey": "GMX", "temperature": "x"}, {}]},
            ["items", 0, "temperature"],
            ["items", 1, "journey"],
        ),
    ]
    labels = {"zh-hans": ("体温", "症状", "条目", "第 1 项", "闭环码"), "en": ("Temperature", "Symptoms", "Items", "no. 1", "Journey")}
    answers = []
    for lang in LANGS:
        for path, body, *locs in cases:
            r = hotel.post(path, data=json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang)
            assert r.status_code == 422, r.content
            error = r.json()["error"]
            assert [d["loc"][-len(loc) :] for d, loc in zip(error["details"], locs, strict=False)] == locs
            assert all(d["message"] in error["message"] for d in error["details"])
            answers.append((path, lang, [error["message"], *(d["message"] for d in error["details"])]))
        r = hotel.get("/api/loop/journeys?limit=many", HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 422 and r.json()["error"]["details"][0]["loc"] == ["query", "limit"]
        answers.append(("journeys limit", lang, [r.json()["error"]["message"]]))
        r = hotel.post("/api/loop/checks/batch", data="{not json", content_type="application/json", HTTP_ACCEPT_LANGUAGE=lang)
        assert r.status_code == 400 and "Cannot parse" not in r.json()["error"]["message"]
        answers.append(("unreadable body", lang, [r.json()["error"]["message"]]))
        messages = " ".join(m for _w, language, ms in answers if language == lang for m in ms)
        assert all(label in messages for label in labels[lang]), (lang, messages)
    check(answers)


def test_every_input_field_of_the_api_has_a_label_in_both_languages():
    from django.utils import translation

    from guomen.api import api
    from guomen.core.apifields import field_label

    spec = api.get_openapi_schema()
    schemas = spec["components"]["schemas"]
    names: set[str] = set()

    def walk(schema, seen):
        if not isinstance(schema, dict):
            return
        if "$ref" in schema:
            ref = schema["$ref"].rsplit("/", 1)[-1]
            if ref not in seen:
                walk(schemas[ref], seen | {ref})
            return
        for key, sub in schema.get("properties", {}).items():
            names.add(key)
            walk(sub, seen)
        for key in ("items", "additionalProperties"):
            walk(schema.get(key), seen)
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in schema.get(key, []):
                walk(sub, seen)

    for operations in spec["paths"].values():
        for op in operations.values():
            names |= {p["name"] for p in op.get("parameters", [])}
            for content in (op.get("requestBody") or {}).get("content", {}).values():
                walk(content["schema"], frozenset())
    assert len(names) > 100
    assert not sorted(n for n in names if field_label(n) is None)
    with translation.override("zh-hans"):
        untranslated = sorted(n for n in names if re.search(r"[A-Za-z]{3,}", re.sub(r"[A-Z]{2,}", "", field_label(n))))
    assert not untranslated
