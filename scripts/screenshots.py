#!/usr/bin/env python
"""Screenshots of the main pages in both languages, for docs/screenshots/.

Builds a throwaway SQLite database with the full demo data (migrate + demo_load), starts the real
server (`manage.py serve`: gunicorn, worker and clock) on a free port, signs in with Playwright in
Debian's Chromium and saves PNGs: phone width (390 px) for the desk pages, desktop (1280 px) for the
command dashboard and the map.

    .venv/bin/python scripts/screenshots.py [--out docs/screenshots] [--keep] [--var DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from guomen.browser import ARGS, CHROMIUM  # noqa: E402

PASSWORD = "guomen-demo-2020"  # noqa: S105 - the published password of the demo users
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
MAX_HEIGHT = {"phone": 1700, "desktop": 1000}  # long pages are cut: the top is what a reader sees first
LANGS = {"zh": "zh-CN", "en": "en-US"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(cmd: list[str], env: dict[str, str]) -> None:
    print("$", " ".join(cmd[1:]), flush=True)
    subprocess.run(cmd, env=env, cwd=BASE_DIR, check=True)


def wait_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"the server stopped (exit code {proc.returncode})")
        try:
            with urllib.request.urlopen(url + "/login/", timeout=2) as r:  # noqa: S310 - our own local server
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer in time")


def save(page, path: Path, kind: str) -> None:
    """A PNG of the page (cut at MAX_HEIGHT), reduced to a 256-colour palette to stay small."""
    from PIL import Image

    width = page.viewport_size["width"]
    height = min(MAX_HEIGHT[kind], page.locator("body").bounding_box()["height"] + 40)
    height = max(height, page.viewport_size["height"])
    raw = page.screenshot(full_page=True, clip={"x": 0, "y": 0, "width": width, "height": height}, animations="disabled")
    img = Image.open(io.BytesIO(raw)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    img.save(path, optimize=True)
    shown = path.relative_to(BASE_DIR) if path.is_relative_to(BASE_DIR) else path
    print(f"  {shown}  {path.stat().st_size // 1024} KB", flush=True)


def shoot(base: str, out: Path, only: set[str] | None = None) -> list[Path]:
    from playwright.sync_api import expect, sync_playwright

    saved: list[Path] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for lang, locale in LANGS.items():
            contexts = {}

            def as_user(username: str | None, kind: str = "phone", locale=locale, contexts=contexts):
                key = (username, kind)
                if key not in contexts:
                    ctx = browser.new_context(viewport=PHONE if kind == "phone" else DESKTOP, locale=locale, device_scale_factor=1)
                    pg = ctx.new_page()
                    pg.set_default_timeout(20000)
                    if username:
                        pg.goto(base + "/login/")
                        pg.fill("input[name=username]", username)
                        pg.fill("input[name=password]", PASSWORD)
                        pg.click("button[type=submit]")
                        pg.wait_for_url(base + "/")
                    contexts[key] = pg
                return contexts[key]

            def page_shot(name: str, username: str | None, url: str, kind: str = "phone", ready: str = "main", lang=lang):
                if only and name not in only:
                    return None
                pg = as_user(username, kind)
                pg.goto(base + url, wait_until="networkidle")
                expect(pg.locator(ready).first).to_be_visible()
                if kind == "desktop":
                    pg.wait_for_timeout(1500)  # let the map's layers and the charts finish drawing
                path = out / f"{name}-{kind}-{lang}.png"
                save(pg, path, kind)
                saved.append(path)
                return pg

            print(f"[{lang}]", flush=True)
            page_shot("login", None, "/login/", ready="input[name=password]")
            page_shot("home-port-officer", "ruili_port", "/")
            page_shot("port-desk", "ruili_port", "/loop/port/", ready="#expected")
            facility = page_shot("facility", "ruili_hotel", "/loop/facility/", ready="#rooms-c533102-hotel1")
            if facility is not None:
                code = facility.locator("#due-c533102-hotel1 a.jcode").first.inner_text().strip()
                page_shot("journey-timeline", "ruili_hotel", f"/loop/j/{code}/", ready="#timeline li")
                page_shot("loop-card", "ruili_hotel", f"/loop/j/{code}/card/", ready="#loop-card svg")
            for kind in ("phone", "desktop"):  # the guided journey page and the busload desk
                if not only or "journey-guided" in only:  # a journey at the gate: one the port decides now
                    port = as_user("ruili_port", kind)
                    port.goto(base + "/loop/port/", wait_until="networkidle")
                    if port.locator("#gate .item a.jcode").count():
                        code = port.locator("#gate .item a.jcode").first.inner_text().strip()
                        page_shot("journey-guided", "ruili_port", f"/loop/j/{code}/", kind=kind, ready="section.step")
                bus = page_shot("busload", "ruili_port", "/loop/port/bus/", kind=kind, ready="#id_scan")
                if bus is not None and bus.locator("#group-form select option").count() and not bus.locator("#grid").count():
                    bus.locator("#group-form button[type=submit]").click()
                    bus.wait_for_load_state("networkidle")
                    save(bus, out / f"busload-{kind}-{lang}.png", kind)
            page_shot("alerts", "ruili", "/loop/alerts/")
            page_shot("command-dashboard", "ruili", "/command/?j=533102", kind="desktop", ready="#fig-journeys")
            page_shot("policies", "province", "/command/policies/?j=530000", kind="desktop", ready="#policies-table")
            page_shot("map", "dehong", "/places/map/", kind="desktop", ready="#map .leaflet-marker-icon")
            page_shot("duty-roster", "ruili", "/duty/roster/")
            for kind in ("desktop", "phone"):  # the command map: province choropleth and a county's own map
                page_shot("command-map-province", "province", "/command/map/?figure=open", kind=kind, ready="#command-map.gm-loaded")
                page_shot("command-map-county", "province", "/command/map/?j=533102&figure=open", kind=kind, ready="#command-map.gm-loaded")
            page_shot("declare", None, "/places/declare/", ready="#privacy-notice")
            for pg in contexts.values():
                pg.context.close()
        browser.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(BASE_DIR / "docs" / "screenshots"))
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database directory")
    parser.add_argument("--var", help="reuse a directory kept by an earlier run (--keep) instead of loading the demo again")
    parser.add_argument("--only", nargs="*", help="shoot only these pages (names as in the files, e.g. command-map-province)")
    args = parser.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    var = Path(args.var).resolve() if args.var else Path(tempfile.mkdtemp(prefix="guomen-screens-"))
    fresh = not (var / "db.sqlite3").exists()
    env = {
        **os.environ,
        "GUOMEN_ENV": "development",
        "GUOMEN_DEBUG": "true",
        "GUOMEN_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var}/db.sqlite3",
        "WEB_CONCURRENCY": "2",
    }
    py = sys.executable
    server = None
    try:
        if fresh:
            run([py, "manage.py", "migrate", "--no-input", "-v", "0"], env)
            run([py, "manage.py", "demo_load"], env)
        port = free_port()
        print(f"$ manage.py serve --port {port}", flush=True)
        server = subprocess.Popen([py, "manage.py", "serve", "--port", str(port)], env=env, cwd=BASE_DIR, stdout=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        wait_up(base, server)
        saved = shoot(base, out, set(args.only or []) or None)
        print(f"{len(saved)} screenshots in {out}")
    finally:
        if server is not None and server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep or args.var:
            print(f"database kept in {var}")
        else:
            shutil.rmtree(var, ignore_errors=True)


if __name__ == "__main__":
    main()
