"""The one roll-up of per-jurisdiction counters (guomen.lib.counts) and its readers."""

import pytest

from guomen.lib.counts import roll_up, total

ROWS = [
    ("/530000/533100/533102/", "quarantine", 3),
    ("/530000/533100/533102/533102001/", "quarantine", 2),
    ("/530000/533100/533103/", "transfer", 1),
    ("/530000/532800/532823/", "quarantine", 5),
]


def test_rows_are_summed_into_the_subtree_that_holds_them_and_every_key_starts_at_zero():
    out = roll_up(ROWS, ["/530000/533100/533102/", "/530000/533100/533103/"], ["quarantine", "transfer"])
    assert out == {
        "/530000/533100/533102/": {"quarantine": 5, "transfer": 0},
        "/530000/533100/533103/": {"quarantine": 0, "transfer": 1},
    }


def test_overlapping_tops_and_tops_without_a_closing_slash_give_each_row_to_the_first_that_holds_it():
    nested = ["/530000/533100/533102/", "/530000/", "/530000/533100/"]  # a row goes to the first top in this order
    assert roll_up(ROWS, nested, ["quarantine"]) == {
        "/530000/533100/533102/": {"quarantine": 5},
        "/530000/": {"quarantine": 5, "transfer": 1},
        "/530000/533100/": {"quarantine": 0},
    }
    assert roll_up(ROWS, ["/530000/5331", "/"]) == {"/530000/5331": {"quarantine": 5, "transfer": 1}, "/": {"quarantine": 5}}


def test_the_total_adds_the_subtrees_together_and_leaves_out_rows_under_none():
    assert total(ROWS, ["/530000/533100/", "/530000/532800/"]) == {"quarantine": 10, "transfer": 1}
    assert total(ROWS, []) == {}


@pytest.mark.django_db
def test_the_dashboard_per_child_counts_agree_with_each_childs_own_counts(world):
    from guomen.command.queries import child_state_counts
    from guomen.loop.models import JourneyCount, State
    from guomen.loop.queries import counts_by_state
    from guomen.places.models import Jurisdiction

    dehong = Jurisdiction.objects.get(code="533100")
    children = list(dehong.children.all())
    for n, child in enumerate(children[:2], start=1):
        JourneyCount.objects.update_or_create(jurisdiction=child, state=State.IN_FACILITY, defaults={"n": n})
    per_child = child_state_counts(dehong, children)
    assert per_child == {c.code: counts_by_state(c) for c in children}
    assert sum(sum(v.values()) for v in per_child.values()) > 0
