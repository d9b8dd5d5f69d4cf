"""On PostgreSQL a manifest's batches are written by a second connection in a thread while the next
batch is checked: the outcomes, the rows written and a re-import are those of the one-row services,
and a batch that collides (the same document, told apart only after its country is normalised)
is written by none of its rows and taken again one row at a time."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction

from guomen.loop import manifest
from guomen.loop.manifest import manifest_import
from guomen.loop.models import CustodyEvent, Journey, JourneyCount
from guomen.loop.tests.factories import u, who
from guomen.loop.tests.test_manifest_bulk import _one_by_one, _prepare_known, _state, csv_bytes, mixed_rows, row
from guomen.people.models import IdentityDocument

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only: on SQLite the batches are written in turn"),
]


class Seen(manifest.ImportReport):
    """A report that notes the threads running as each batch is counted (the hook a background job uses)."""

    def __init__(self) -> None:
        super().__init__()
        self.threads: set[str] = set()

    def batch_done(self) -> None:
        self.threads.update(t.name for t in threading.enumerate())


@pytest.fixture
def writer(transactional_db, flushable_events, world, monkeypatch, settings):
    settings.GUOMEN_MANIFEST_WRITER_THREAD = True
    monkeypatch.setattr(manifest, "BATCH_ROWS", 4)  # several batches, refusals in each


def test_batches_written_by_the_writer_thread_give_what_the_one_row_services_give(writer):
    _prepare_known()
    content = csv_bytes(mixed_rows())
    with transaction.atomic():  # the reference, rolled back
        one = _state(_one_by_one(content))
        transaction.set_rollback(True)
    assert manifest.writer_thread()
    report = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=content, report=Seen())
    assert any(name.startswith("manifest-writer") for name in report.threads), report.threads
    assert not any(t.name.startswith("manifest-writer") for t in threading.enumerate())  # ended with the file
    bulk = _state(report)
    assert bulk["outcomes"] == one["outcomes"]
    # rows 17 and 18: the same German passport (ICAO "D", then ISO "DEU") in two batches
    assert bulk["outcomes"][-2:] == [(17, "taken"), (18, "unchanged")]
    assert bulk["reasons"] == one["reasons"]
    assert bulk["journeys"] == one["journeys"]
    assert bulk["counts"] == one["counts"] and bulk["daily"] == one["daily"] and bulk["persons"] == one["persons"]

    stored = (Journey.objects.count(), CustodyEvent.objects.count(), IdentityDocument.objects.count())
    counts = sorted(JourneyCount.objects.values_list("jurisdiction_id", "state", "n"))
    again = manifest_import(actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=content)
    assert again.n_taken == 0
    assert sorted(r["row"] for r in again.unchanged) == sorted(r["row"] for r in (*report.taken, *report.unchanged))
    assert (Journey.objects.count(), CustodyEvent.objects.count(), IdentityDocument.objects.count()) == stored
    assert sorted(JourneyCount.objects.values_list("jurisdiction_id", "state", "n")) == counts


def test_inside_a_transaction_the_batches_are_written_in_turn(writer):
    """A file imported inside a transaction (a partner's message applied whole) is written on that
    transaction's connection: a second connection would not see its uncommitted rows."""
    with transaction.atomic():
        assert not manifest.writer_thread()
        report = manifest_import(
            actor=who("mohan_port"), port_unit=u("port-mohan"), file_name="m.csv", content=csv_bytes([row(1)]), report=Seen()
        )
    assert report.n_taken == 1 and not any(name.startswith("manifest-writer") for name in report.threads)
