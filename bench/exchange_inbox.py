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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=2000)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, _on_term)
    os.environ["DJANGO_SETTINGS_MODULE"] = "guomen.settings"
    os.environ["GUOMEN_ENV"] = "development"
    with throwaway_database() as (url, tmp):
        os.environ["DATABASE_URL"] = url
        os.environ["GUOMEN_VAR_DIR"] = str(tmp / "var")
        os.environ["GUOMEN_EXCHANGE_WINDOW_SECONDS"] = str(24 * 3600)  # signing beforehand takes a while
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command

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
        t0 = time.perf_counter()
        for raw in data:
            status, _ack = inbox.receive(raw)
            assert status == 200, _ack
        applied = time.perf_counter() - t0
        n = Message.objects.filter(direction=Direction.IN, status=Status.ACCEPTED).count()
        assert n == len(data), n
        t0 = time.perf_counter()
        for raw in data:
            inbox.receive(raw)
        replayed = time.perf_counter() - t0
        assert Message.objects.filter(direction=Direction.IN).count() == len(data)
        print(
            f"applied: {len(data)} messages in {applied:.1f} s = {len(data) / applied:.0f} messages/s (one at a time, each verified, applied and acknowledged)"
        )
        print(
            f"replayed: {len(data)} messages in {replayed:.1f} s = {len(data) / replayed:.0f} messages/s (first outcome answered, nothing applied)"
        )


if __name__ == "__main__":
    main()
