from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand

from guomen.core import registry

log = logging.getLogger("guomen.clock")


class Command(BaseCommand):
    help = "Enqueue the periodic tasks (the sweep, escalations…) for the database worker, on their schedule."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue every periodic task once and exit.")

    def handle(self, *args, once: bool = False, **options):
        stop = False

        def _stop(*_a):
            nonlocal stop
            stop = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        last: dict[str, float] = {}
        while not stop:
            now = time.monotonic()
            for p in registry.PERIODIC:
                if once or now - last.get(p.name, -1e9) >= p.every_seconds:
                    p.task.enqueue()
                    last[p.name] = now
                    log.info("enqueued %s", p.name)
            if once:
                return
            time.sleep(1)
