"""Manifests declared a batch at a time give what the one-row services give: the same outcomes,
journeys, events, persons, documents and counts; re-importing changes nothing; refused rows and
duplicates (inside a batch and across batches) spoil nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from guomen.loop import bulk_pool, manifest
from guomen.loop.manifest import ImportReport, import_row, manifest_import
from guomen.loop.models import CustodyEvent, DailyCount, Journey, JourneyCount
from guomen.loop.services import journey_arrive
from guomen.loop.tests.factories import ahead, u, who
from guomen.people.crypto import unseal
from guomen.people.models import IdentityDocument

pytestmark = pytest.mark.django_db
AHEAD = ahead()  # the day of an expected arrival a few days from now

HEADER = ["姓名", "英文名", "性别", "出生日期", "国籍", "证件类型", "证件号码", "预计入境时间", "出发地", "目的地代码", "风险等级", "电话"]


def row(i: int, **kw: str) -> list[str]:
    r = {
        "name": f"王芳{i}",
        "latin": f"Wang Fang {i}",
        "sex": "女" if i % 2 else "男",
        "born": "1990-01-02",
        "nat": "CHN" if i % 3 else "LAO",
        "kind": "passport",
        "number": f"E{i:08d}",
        "at": f"{AHEAD} 1{i % 10}:30",
        "from": "Boten",
        "dest": "533102" if i % 4 == 0 else "",
        "risk": ["低", "中", "高"][i % 3],
        "phone": "+86 138 0000 0000" if i % 5 == 0 else "",
    }
    r.update(kw)
    return list(r.values())


def csv_bytes(rows: list[list[str]]) -> bytes:
    return ("\n".join(",".join(r) for r in [HEADER, *rows]) + "\n").encode("utf-8")


def mixed_rows() -> list[list[str]]:
    """Good rows with refused ones among them: every kind of refusal the checks know."""
    rows = [row(i) for i in range(1, 13)]
    rows[2] = row(3, at="2020-02-30 10:00")  # impossible date
    rows[4] = row(5, dest="999999")  # unknown division
    rows[5] = row(6, nat="XXX")  # unknown country
    rows[6] = row(7, number="E1")  # number too short
    rows[7] = row(8, dest="533100")  # a prefecture is no destination
    rows[8] = row(2)  # the document of row 3 (file row) again
    rows[9] = row(10, name="")  # a required value missing
    rows.append(row(50))  # a person who already has a journey declared here
    rows.append(row(51))  # a person already at the gate
    rows.append(row(52, born="2999-01-01"))
    rows.append(row(60, nat="D"))  # a German passport, the ICAO way…
    rows.append(row(60, nat="DEU"))  # …and the ISO way: the same document, found again
    return rows


def _prepare_known() -> None:
    """Persons 50 and 51 already in the loop: 50 declared at the port, 51 arrived."""
    import_row(who("mohan_port"), u("port-mohan"), dict(zip(_fields(), row(50), strict=True)), "earlier", 2)
    _o, entry = import_row(who("mohan_port"), u("port-mohan"), dict(zip(_fields(), row(51), strict=True)), "earlier", 3)
    journey_arrive(actor=who("mohan_port"), unit=u("port-mohan"), journey=Journey.objects.get(code=entry["journey"]))


def _fields() -> list[str]:
    return [manifest.COLUMNS[h] for h in HEADER]


def _one_by_one(content: bytes) -> ImportReport:
    """The same file through the one-row services, each row in its own savepoint."""
    report = ImportReport(rows=0)
    seen: dict[bytes, int] = {}
    for n, rec in manifest._records("m.csv", content):
        report.rows += 1
        key = manifest._duplicate_key(rec)
        if key is not None and key in seen:
            report.add("rejected", {"row": n, "code": "duplicate_row"})
            continue
        if key is not None:
            seen[key] = n
        try:
            with transaction.atomic():
                report.add(*import_row(who("mohan_port"), u("port-mohan"), rec, f"m.csv #{n}", n))
        except manifest.DomainError as e:
            report.add("rejected", {"row": n, "code": e.code, "reason": e.message})
    return report


def _state(report: ImportReport) -> dict[str, Any]:
    """Everything the import wrote, keyed by row, without ids, codes or times."""
    by_row = {r["row"]: r["journey"] for r in (*report.taken, *report.unchanged)}
    journeys = {}
    for n, code in sorted(by_row.items()):
        j = Journey.objects.select_related("person").get(code=code)
        jf = {
            f.attname: getattr(j, f.attname)
            for f in Journey._meta.concrete_fields
            if f.attname not in {"id", "public_id", "code", "person_id", "opened_at", "state_since", "updated_at"}
        }
        p = j.person
        pf = {
            f: getattr(p, f) for f in ("name_native", "name_latin", "name_search", "sex", "birth_date", "nationality", "phone", "category")
        }
        pf["registered_by_id"] = p.registered_by_id
        docs = [
            (d.kind, d.issuing_country, unseal(d.number_sealed), d.lookup, d.number_lookup, d.last4, d.valid_until)
            for d in IdentityDocument.objects.filter(person=p)
        ]
        events = [(e.seq, e.kind, e.unit_id, e.actor_id, e.data) for e in CustodyEvent.objects.filter(journey=j).order_by("seq")]
        journeys[n] = {"journey": jf, "person": pf, "documents": docs, "events": events}
    return {
        "outcomes": sorted(
            [(r["row"], "taken") for r in report.taken]
            + [(r["row"], "unchanged") for r in report.unchanged]
            + [(r["row"], r["code"]) for r in report.rejected]
        ),
        "reasons": {r["row"]: r.get("reason") for r in report.rejected if r["code"] != "duplicate_row"},
        "journeys": journeys,
        "counts": sorted(JourneyCount.objects.values_list("jurisdiction_id", "state", "n")),
        "daily": sorted(DailyCount.objects.values_list("unit_id", "day", "what", "n")),
        "persons": IdentityDocument.objects.count(),
    }


@pytest.mark.parametrize("processes", [0, 2], ids=["checked-here", "checked-in-2-worker-processes"])
def test_a_file_declared_in_batches_gives_what_the_one_row_services_give(monkeypatch, settings, processes):
    monkeypatch.setattr(manifest, "BATCH_ROWS", 4)  # several batches, refusals in each
    monkeypatch.setattr(bulk_pool, "MIN_ROWS", 1)  # the workers take even a batch of 4
    settings.GUOMEN_MANIFEST_PROCESSES = processes
    _prepare_known()
    content = csv_bytes(mixed_rows())
    sid = transaction.savepoint()
    one = _state(_one_by_one(content))
    transaction.savepoint_rollback(sid)
    bulk = _state(manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=content))
    assert bulk["outcomes"] == one["outcomes"]
    assert {code for _r, code in bulk["outcomes"]} >= {
        "taken",
        "unchanged",
        "invalid_expected_at",
        "unknown_destination",
        "unknown_country",
        "bad_number",
        "invalid_destination",
        "duplicate_row",
        "missing_values",
        "journey_open",
        "birth_in_future",
    }
    assert bulk["outcomes"][-2:] == [(17, "taken"), (18, "unchanged")]
    assert bulk["reasons"] == one["reasons"]
    assert bulk["journeys"] == one["journeys"]
    assert bulk["counts"] == one["counts"] and bulk["daily"] == one["daily"] and bulk["persons"] == one["persons"]
    assert (bulk_pool._pool is not None) == (processes > 1)
    bulk_pool.close()


def test_importing_the_same_file_again_changes_nothing(monkeypatch):
    monkeypatch.setattr(manifest, "BATCH_ROWS", 3)
    content = csv_bytes([row(i) for i in range(1, 9)])
    first = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=content)
    assert first.n_taken == 8 and first.rejected == []
    counts = sorted(JourneyCount.objects.values_list("jurisdiction_id", "state", "n"))
    journeys, events, docs = Journey.objects.count(), CustodyEvent.objects.count(), IdentityDocument.objects.count()
    again = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=content)
    assert again.n_taken == 0 and again.n_unchanged == 8
    assert [r["journey"] for r in again.unchanged] == [r["journey"] for r in first.taken]
    assert (Journey.objects.count(), CustodyEvent.objects.count(), IdentityDocument.objects.count()) == (journeys, events, docs)
    assert sorted(JourneyCount.objects.values_list("jurisdiction_id", "state", "n")) == counts


def test_duplicates_inside_a_batch_and_across_batches_are_refused_and_the_first_is_taken(monkeypatch):
    monkeypatch.setattr(manifest, "BATCH_ROWS", 3)
    rows = [row(1), row(2), row(1), row(3), row(4), row(5), row(2, number="E 0000 0002")]  # rows 4 and 8 repeat rows 2 and 3
    report = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=csv_bytes(rows))
    assert [(r["row"], r["code"]) for r in report.rejected] == [(4, "duplicate_row"), (8, "duplicate_row")]
    assert "2" in report.rejected[0]["reason"] and "3" in report.rejected[1]["reason"]
    assert [r["row"] for r in report.taken] == [2, 3, 5, 6, 7]
    assert Journey.objects.filter(code__in=[r["journey"] for r in report.taken]).count() == 5


def test_the_report_counts_every_row_and_lists_the_first_ones(monkeypatch):
    monkeypatch.setattr(manifest, "REPORT_ROWS", 2)
    monkeypatch.setattr(manifest, "BATCH_ROWS", 2)
    rows = [row(i) for i in range(1, 6)] + [row(9, at="nonsense")]
    report = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=csv_bytes(rows))
    assert report.rows == 6 and report.n_taken == 5 and len(report.taken) == 2 and len(report.rejected) == 1
    assert JourneyCount.objects.get(jurisdiction=u("port-mohan").jurisdiction, state="declared").n >= 5


def test_a_row_colliding_with_a_stored_one_is_refused_by_the_database_as_by_the_orm():
    """A batch that meets a document registered meanwhile fails as a whole with Django's
    IntegrityError (also through COPY), so the manifest takes its rows again one at a time."""
    from django.db import IntegrityError

    from guomen.lib.bulkinsert import insert_rows

    report = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=csv_bytes([row(1)]))
    doc = IdentityDocument.objects.get(person__journeys__code=report.taken[0]["journey"])
    values = {f.attname: getattr(doc, f.attname) for f in IdentityDocument._meta.concrete_fields if not f.primary_key}
    values.pop("public_id")
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_rows(IdentityDocument, [values])
    assert IdentityDocument.objects.filter(lookup=doc.lookup).count() == 1


def test_rows_that_give_different_fields_get_the_defaults_of_those_they_leave_out():
    """``insert_rows`` takes a batch whose rows give the same fields in one go; a row that gives
    more or fewer gets the defaults of the others, as a save would."""
    import datetime as dt

    from guomen.lib.bulkinsert import insert_rows
    from guomen.people.models import Person

    unit = u("port-mohan")
    given = {"name_latin": "", "phone": "", "registered_by_id": unit.pk}
    with transaction.atomic():
        ids = insert_rows(
            Person,
            [
                {**given, "name_native": "甲", "name_search": "甲 jia", "nationality": "CHN"},
                {**given, "name_native": "乙", "name_search": "乙 yi", "nationality": "LAO", "sex": "F", "birth_date": dt.date(1990, 1, 2)},
                {**given, "name_native": "丙", "name_search": "丙 bing", "nationality": "MMR"},
            ],
        )
    people = [Person.objects.get(pk=i) for i in ids]
    assert [(p.name_native, p.sex, p.birth_date, p.category) for p in people] == [
        ("甲", "X", None, "traveller"),
        ("乙", "F", dt.date(1990, 1, 2), "traveller"),
        ("丙", "X", None, "traveller"),
    ]
    assert len({p.public_id for p in people}) == 3 and all(p.created_at is not None for p in people)
