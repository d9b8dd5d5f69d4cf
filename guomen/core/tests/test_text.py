"""One cleaner of typed text (``lib.text.clean_text``) and one vocabulary of its refusals in every app."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone, translation
from django.utils.functional import lazy
from django.utils.translation import gettext

from guomen.duty.models import IncidentKind
from guomen.lib.errors import DomainError
from guomen.lib.text import clean_text, hidden_character

pytestmark = pytest.mark.django_db


def _refusal(fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    assert exc.value.status == 422
    return exc.value


def test_one_line_is_collapsed_and_text_of_several_lines_keeps_its_lines():
    assert clean_text("  王   芳\t", "name", max_length=20) == "王 芳"
    assert clean_text(None, "name", max_length=20) == ""
    assert clean_text(" 第一行\n\n第二行  ", "text", max_length=20, multiline=True) == "第一行\n\n第二行"


@pytest.mark.parametrize("bad", ["a\x00b", "a\x07b", "\u202eabc", "a\u200fb", "\ufeffabc", "a\u00adb", "a\x85b", "a\x0bb"])
def test_an_invisible_character_is_refused_and_named(bad):
    e = _refusal(clean_text, bad, "title", max_length=50)
    assert e.code == "control_characters"
    assert e.details["field"] == "title" and e.details["character"] == f"U+{ord(hidden_character(bad)):04X}"
    assert e.details["character"] in e.message


def test_required_and_too_long_name_the_field():
    e = _refusal(clean_text, "   ", "title", max_length=5, required=True)
    assert (e.code, e.details) == ("required", {"field": "title"})
    e = _refusal(clean_text, "abcdef", "title", max_length=5)
    assert (e.code, e.details) == ("too_long", {"field": "title"})
    assert clean_text("abcde", "title", max_length=5) == "abcde"


def test_a_lazy_label_is_translated_only_when_a_refusal_names_it():
    # A manifest of 100,000 rows cleans a million values: looking the label's translation up for
    # each fine value cost a fifth of the import.
    looked_up: list[str] = []

    def note() -> str:
        looked_up.append(translation.get_language())
        return gettext("the note")

    label = lazy(note, str)()
    with translation.override("zh-hans"):
        assert clean_text("  路过 瑞丽 ", "note", max_length=20, required=True, label=label) == "路过 瑞丽"
        assert clean_text("", "note", max_length=20, label=label) == ""
        assert looked_up == []
        e = _refusal(clean_text, "", "note", max_length=20, required=True, label=label)
    assert looked_up == ["zh-hans"]
    assert e.message == gettext_in("zh-hans", "%(field)s is required.") % {"field": gettext_in("zh-hans", "the note")}
    with translation.override("en"):
        assert _refusal(clean_text, "x" * 21, "note", max_length=20, label=label).message == "The note is longer than 20 characters."
        assert _refusal(clean_text, "a\u202e", "note", max_length=20, label=label).message.startswith("The note contains an invisible")
        assert _refusal(clean_text, "", "note", max_length=20, required=True, label="").message == "This field is required."


def gettext_in(language: str, message: str) -> str:
    with translation.override(language):
        return gettext(message)


def test_the_messages_are_in_the_users_language():
    with translation.override("zh-hans"):
        zh = [
            _refusal(clean_text, "a\u202e", "t", max_length=5).message,
            _refusal(clean_text, "", "t", max_length=5, required=True).message,
            _refusal(clean_text, "abcdef", "t", max_length=5).message,
            _refusal(clean_text, "", "t", max_length=5, required=True, label="标题").message,
        ]
    with translation.override("en"):
        en = [
            _refusal(clean_text, "a\u202e", "t", max_length=5).message,
            _refusal(clean_text, "", "t", max_length=5, required=True).message,
            _refusal(clean_text, "abcdef", "t", max_length=5).message,
        ]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in zh), zh
    assert "标题" in zh[3]
    assert en[0].startswith("The text contains an invisible") and "U+202E" in en[0]
    assert en[1] == "This field is required." and en[2] == "The text is longer than 5 characters."


def test_every_app_refuses_bad_text_with_the_same_codes(world):
    """Command, emergency, duty, loop, alerts, people, places and public once had codes of their own
    (``invalid_text``, ``text_too_long``, ``text_required``, ``hidden_character``). A step that needs a
    note or a reason keeps its own code (``note_required``, ``reason_required``): that is a rule of the step."""
    from guomen.command import services as command
    from guomen.duty import services as duty
    from guomen.duty.tests.helpers import unit as duty_unit
    from guomen.emergency import services as emergency
    from guomen.loop.tests.factories import u, who
    from guomen.public import services as public

    due = timezone.now() + timedelta(hours=2)
    hotel = u("c533102-hotel1")

    e = _refusal(command.task_create, actor=who("ruili"), unit=hotel, title="x" * 201, due_at=due)
    assert (e.code, e.details["field"]) == ("too_long", "title")
    e = _refusal(command.task_create, actor=who("ruili"), unit=hotel, title=" ", due_at=due)
    assert (e.code, e.details["field"]) == ("required", "title")
    e = _refusal(command.task_create, actor=who("ruili"), unit=hotel, title="核查\u202e", due_at=due)
    assert (e.code, e.details["field"]) == ("control_characters", "title")

    e = _refusal(duty.incident_report, actor=who("ruili_patrol"), unit=duty_unit(), kind=IncidentKind.SUSPICIOUS, description="a\u202eb")
    assert (e.code, e.details["field"]) == ("control_characters", "description")

    e = _refusal(emergency.plan_create, actor=who("ruili"), code="P\x00", name_zh="预案", owner_unit=u("c533102-command"), scenario="other")
    assert (e.code, e.details["field"]) == ("control_characters", "code")

    e = _refusal(public.report_submit, kind="crossing", what="\u2067看到\u2069", occurred_at=timezone.now())
    assert (e.code, e.details["field"]) == ("control_characters", "what")
