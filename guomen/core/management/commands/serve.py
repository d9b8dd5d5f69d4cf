from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand


def default_workers() -> int:
    """WEB_CONCURRENCY if set, else gunicorn's own advice for sync workers: two per core, plus one.
    A sync worker waits idle while the database answers; more workers than cores keep the cores busy."""
    if os.environ.get("WEB_CONCURRENCY"):
        return int(os.environ["WEB_CONCURRENCY"])
    return 2 * (os.cpu_count() or 1) + 1


class Command(BaseCommand):
    help = "Run guomen: the web server (gunicorn), the background worker and the clock, stopping all three together."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=default_workers())

    def handle(self, *args, host: str, port: int, workers: int, **options):
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "guomen.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
                "--graceful-timeout",
                "10",
            ],
            "worker": [*manage, "db_worker", "--no-reload", "--interval", "1"],
            "clock": [*manage, "clock"],
        }
        procs = {name: subprocess.Popen(cmd, cwd=settings.BASE_DIR) for name, cmd in commands.items()}
        self.stdout.write(self.style.SUCCESS(f"guomen is serving on http://{host}:{port}/ (Ctrl-C stops it)"))
        stopping = False

        def _stop(*_a):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        code = 0
        try:
            while not stopping:
                for name, p in procs.items():
                    if p.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {p.returncode}; stopping the others.")
                        code = p.returncode or 1
                        stopping = True
                time.sleep(0.5)
        finally:
            for p in procs.values():
                if p.poll() is None:
                    p.terminate()
            for p in procs.values():
                try:
                    p.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    p.kill()
        if code:
            sys.exit(code)
