from __future__ import annotations

import pytest

from guomen.command.tests.conftest import day_of_loop  # noqa: F401  (the same small day of the loop)


@pytest.fixture
def mohan_plan(world):
    from guomen.emergency.demo import build, plans_spec

    return build(plans_spec()[0])


@pytest.fixture
def all_plans(world):
    from guomen.emergency.demo import build, plans_spec

    return [build(spec) for spec in plans_spec()]
