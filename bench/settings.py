"""The benchmarks' settings: production's, with a URL conf that adds the no-op baseline endpoint."""

from guomen.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
