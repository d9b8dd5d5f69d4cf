"""Demo data of the public app: published bulletins in both languages, answered questions, a report."""

from __future__ import annotations


def generate_demo_public() -> int:
    from .demo_data import generate

    return generate()
