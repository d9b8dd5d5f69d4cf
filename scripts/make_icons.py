"""Draw the installable app's icons (PNG) from the favicon's design: a red square with a white gate.

Run once after changing the design: .venv/bin/python scripts/make_icons.py (Pillow)."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

OUT = Path(__file__).resolve().parent.parent / "guomen" / "shell" / "static" / "shell" / "icons"
RED, WHITE = (183, 28, 28, 255), (255, 255, 255, 255)


def icon(size: int, maskable: bool = False) -> Image.Image:
    img = Image.new("RGBA", (size, size), RED if maskable else (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    if not maskable:
        d.rounded_rectangle([0, 0, size - 1, size - 1], radius=size * 6 // 32, fill=RED)
    inner = size * (0.3 if maskable else 0.25)  # a maskable icon keeps its drawing in the safe zone
    stroke = max(2, round(size * 3 / 32))
    d.rectangle([inner, inner, size - inner, size - inner], outline=WHITE, width=stroke)
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (192, 512):
        icon(size).save(OUT / f"icon-{size}.png", optimize=True)
    icon(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    icon(180).save(OUT / "apple-touch-icon.png", optimize=True)


if __name__ == "__main__":
    main()
