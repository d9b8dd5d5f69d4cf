"""Messages applied per second by the exchange inbox.

A benchmark, not a test: it prints figures. It creates its own throwaway database (a SQLite file
in a temporary folder, or ``guomen_bench_<random>`` on the PostgreSQL server named by
DATABASE_URL), migrates it, registers a partner whose private key it holds, and signs N messages
beforehand: threads of ten (an aid offer, a commitment, eight shipments, each with its sequence
number on the thread's subject), plus one case notice per thread. It then times ``inbox.receive``
on each envelope in order, one by one as the HTTP view calls it: parse, verify the Ed25519
signature, look for a replay, check the time window and the recipient, validate the body against
its schema, store the message and apply it in one transaction (thread row, causal cursor), and
sign the acknowledgement. Finally it replays every message once (each answered with its first
outcome, nothing applied). The database is dropped at the end, also on failure.

The reference, measured in the same run on the same database: the same envelopes inserted as
message rows one by one, one transaction each, with plain SQL (the least any inbox that keeps each
message durably before it answers must do). The ratio says how close the inbox comes to it. The
statements per applied message are counted on a sample of 100 (transaction control included).

    .venv/bin/python bench/exchange_inbox.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/exchange_inbox.py --messages 5000
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import time
import uuid
from pathlib import Path

BASE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE))

from benchlib import _on_term, machine, throwaway_database  # noqa: E402 - after the sys.path setup

TEXT = {"zh-Hans": "防疫物资", "en": "Protective supplies", "my": "ကာကွယ်ရေးပစ္စည်း"}


def db_label() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as c:
            c.execute("SHOW server_version")
            return f"PostgreSQL {c.fetchone()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version} (WAL)"


def envelopes(n: int, private, recipient: str) -> list[bytes]:
    from guomen.exchange import signing
    from guomen.lib import clock

    steps = ["aid_offer", "aid_commitment", *["aid_shipment"] * 8]
    items = [{"item": "N95", "quantity": 1000, "unit": "box"}, {"item": "防护服", "quantity": 200, "unit": "set"}]
    out: list[bytes] = []
    while len(out) < n:
        ref = str(uuid.uuid4())
        bodies = [(t, "aid", {"ref": ref, "items": items, "text": TEXT}) for t in steps]
        case = str(uuid.uuid4())
        bodies.append(
            (
                "case_notice",
                "case",
                {
                    "ref": case,
                    "category": "contact",
                    "person": {"name_latin": "AUNG KYAW", "birth_year": 1988},
                    "crossed_at": "2020-04-01T10:00:00+08:00",
                    "port": "Ruili",
                    "text": TEXT,
                },
            )
        )
        seqs: dict[str, int] = {}
        for type_, kind, body in bodies:
            subject = f"{kind}:{body['ref']}"
            seqs[subject] = seqs.get(subject, 0) + 1
            now = clock.now().isoformat()
            message = {
                "type": type_,
                "version": 1,
                "id": str(uuid.uuid4()),
                "sender": "mm-muse",
                "recipient": recipient,
                "created_at": now,
                "sent_at": now,
                "subject": subject,
                "seq": seqs[subject],
                "body": body,
            }
            out.append(json.dumps(signing.sign(private, message), ensure_ascii=False).encode())
    return out[:n]


def raw_inserts(data: list[bytes]) -> float:
    """Seconds to insert the envelopes as message rows, one transaction each, in plain SQL (rolled back after)."""
    from django.db import connection, transaction

    from guomen.exchange.models import Message, Partner

    partner_id = Partner.objects.get(authority="mm-muse").pk
    table = Message._meta.db_table
    sql = (
        f"INSERT INTO {table} (direction, partner_id, msg_id, type, version, subject, seq, message, status, attempts, last_error, created_at) "  # noqa: S608
        "VALUES ('ref', %s, %s, %s, 1, %s, %s, %s, 'accepted', 0, '', %s)"
    )
    now = dt.datetime.now(dt.UTC)
    rows = []
    for raw in data:
        m = json.loads(raw)["message"]
        rows.append(
            [
                partner_id,
                uuid.UUID(m["id"]).hex if connection.vendor == "sqlite" else m["id"],
                m["type"],
                m["subject"],
                m["seq"],
                raw.decode(),
                now,
            ]
        )
    t0 = time.perf_counter()
    for row in rows:
        with transaction.atomic(), connection.cursor() as c:
            c.execute(sql, row)
    took = time.perf_counter() - t0
    with connection.cursor() as c:
        c.execute(f"DELETE FROM {table} WHERE direction = 'ref'")  # noqa: S608
    return took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=2000)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _on_term)
    os.environ["DJANGO_SETTINGS_MODULE"] = "guomen.settings"
    os.environ["GUOMEN_ENV"] = "development"
    os.environ["GUOMEN_DEBUG"] = "0"  # as in production: no statement log kept in memory
    with throwaway_database() as (url, tmp):
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp / "var")
        os.environ["GUOMEN_EXCHANGE_WINDOW_SECONDS"] = str(24 * 3600)  # signing beforehand takes a while
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from guomen.exchange import inbox, services, signing
        from guomen.exchange.models import Direction, Message, Status

        print(f"guomen exchange inbox benchmark — {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC")
        print(f"machine: {machine()}; database: {db_label()} (throwaway)")
        call_command("migrate", verbosity=0)
        private = signing.new_private_key()
        services.partner_register(
            actor=None, authority="mm-muse", name_zh="木姐", name_en="Muse", country="MM", base_url="https://muse.example",
            public_key=signing.public_b64(private),
        )  # fmt: skip
        services.current_key()
        data = envelopes(args.messages, private, settings.EXCHANGE_AUTHORITY)
        reference = raw_inserts(data)
        sample, data = data[:100], data[100:]
        with CaptureQueriesContext(connection) as q:
            for raw in sample:
                status, _ack = inbox.receive(raw)
                assert status == 200, _ack
        statements = len(q.captured_queries) / len(sample)
        t0, c0 = time.perf_counter(), time.process_time()
        for raw in data:
            status, _ack = inbox.receive(raw)
            assert status == 200, _ack
        applied, cpu = time.perf_counter() - t0, time.process_time() - c0
        data = sample + data
        n = Message.objects.filter(direction=Direction.IN, status=Status.ACCEPTED).count()
        assert n == len(data), n
        t0 = time.perf_counter()
        for raw in data:
            inbox.receive(raw)
        replayed = time.perf_counter() - t0
        assert Message.objects.filter(direction=Direction.IN).count() == len(data)
        rate, ref_rate = (len(data) - len(sample)) / applied, len(data) / reference
        print(
            f"applied: {len(data) - len(sample)} messages in {applied:.1f} s = {rate:.0f} messages/s (one at a time, each verified, applied and acknowledged); {statements:.1f} statements and {cpu * 1000 / (len(data) - len(sample)):.1f} ms of this process's CPU per message"
        )
        print(
            f"reference: the same {len(data)} rows inserted one per transaction = {ref_rate:.0f} rows/s; inbox / reference = {rate / ref_rate:.2f}"
        )
        print(
            f"replayed: {len(data)} messages in {replayed:.1f} s = {len(data) / replayed:.0f} messages/s (first outcome answered, nothing applied)"
        )


if __name__ == "__main__":
    main()
