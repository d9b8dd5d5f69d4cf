"""Settings for the test suite: the normal settings with GUOMEN_ENV=test."""

import os

os.environ["GUOMEN_ENV"] = "test"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

from guomen.settings import *
