"""Document numbers are encrypted at rest, found by keyed hash, masked, and shown in full only
to roles allowed to — each full view written to the access audit."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.db import connection
from django.http import Http404
from django.test import override_settings

from guomen.core.models import AccessLog
from guomen.people import crypto
from guomen.people.models import IdentityDocument, Person
from guomen.people.services import identity_reveal

pytestmark = pytest.mark.django_db


def raw_row(doc: IdentityDocument) -> tuple:
    table = IdentityDocument._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT number_sealed, lookup, number_lookup, last4 FROM {table} WHERE id = %s", [doc.pk])  # noqa: S608 - table name from the model
        return cur.fetchone()


def test_the_number_is_not_in_the_database_row_only_its_token_hashes_and_last4(register):
    person = register(number="E12345678")
    doc = person.documents.get()
    sealed, lookup, number_lookup, last4 = raw_row(doc)
    row_text = " ".join(map(str, (sealed, lookup, number_lookup, last4)))
    assert "E12345678" not in row_text and "12345678" not in row_text
    assert last4 == "5678"
    assert crypto.unseal(sealed) == "E12345678"


def test_the_keyed_hash_finds_the_document_without_decrypting(register):
    register(number="E12345678")
    found = IdentityDocument.objects.get(lookup=crypto.lookup_hash("passport", "CHN", "e 1234-5678"))
    assert found.person.name_native == "王芳"
    assert IdentityDocument.objects.filter(number_lookup=crypto.number_hash("E12345678")).count() == 1


def test_the_hash_depends_on_the_configured_key(register):
    before = crypto.number_hash("E12345678")
    with override_settings(IDENTIFIER_HASH_KEY="another-key-entirely"):
        assert crypto.number_hash("E12345678") != before


def test_documents_are_masked_by_default(register):
    doc = register(number="E12345678").documents.get()
    assert doc.masked == "••••5678"
    assert "E1234" not in str(doc)


def test_port_officer_sees_the_number_in_full_and_the_view_is_audited(register, user):
    doc = register(number="E12345678").documents.get()
    officer = user("mohan_port")
    assert identity_reveal(actor=officer, document=doc, reason="核对证件") == "E12345678"
    log = AccessLog.objects.get(user=officer)
    assert log.action == AccessLog.Action.VIEW_IDENTITY
    assert log.subject == str(doc.person.public_id) and log.object_id == str(doc.public_id)
    assert log.reason == "核对证件"


@pytest.mark.parametrize("username", ["mengla_hotel", "mengla_grid", "mengla_transfer"])
def test_facility_staff_grid_workers_and_transfer_teams_may_not_see_it_in_full(register, user, unit, username):
    from guomen.people.services import person_register

    # Registered by the refusing user's own unit, so it is within their reach: refused for the role, not the scope.
    me = user(username)
    own_unit = me.memberships.get().unit
    person = person_register(
        actor=me,
        unit=own_unit,
        name_native="岩罕",
        nationality="MMR",
        documents=[{"kind": "passport", "number": "MB7654321", "issuing_country": "MMR"}],
    )
    with pytest.raises(PermissionDenied):
        identity_reveal(actor=me, document=person.documents.get(), reason="curious")
    assert not AccessLog.objects.filter(user=me).exists()


def test_a_reveal_without_a_reason_is_refused_and_not_audited(register, user):
    from guomen.lib.errors import DomainError

    doc = register().documents.get()
    with pytest.raises(DomainError):
        identity_reveal(actor=user("mohan_port"), document=doc, reason="   ")
    assert not AccessLog.objects.exists()


def test_outside_reach_the_document_is_not_found(register, user):
    doc = register().documents.get()
    with pytest.raises(Http404):
        identity_reveal(actor=user("ruili_port"), document=doc, reason="check")


def test_rotating_keys_reencrypts_every_number_under_the_newest_key(register, capsys):
    old = Fernet.generate_key().decode()
    new = Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        for i in range(5):
            register(number=f"E1000000{i}", name=f"测试{i}")
        tokens_before = dict(IdentityDocument.objects.values_list("pk", "number_sealed"))
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        call_command("rotate_identity_keys", batch_size=2)
        out = capsys.readouterr().out
        assert "5 documents: 5 re-encrypted" in out
        call_command("rotate_identity_keys")
        assert "0 re-encrypted" in capsys.readouterr().out  # a second run finds nothing to do
    rows = dict(IdentityDocument.objects.values_list("pk", "number_sealed"))
    assert all(rows[pk] != tokens_before[pk] for pk in rows)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):  # the old key can now be dropped
        assert sorted(crypto.unseal(t) for t in rows.values()) == [f"E1000000{i}" for i in range(5)]
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]), pytest.raises(ValueError):
        crypto.unseal(next(iter(rows.values())))


def test_person_name_search_column_is_filled_on_every_write(register):
    person = register(name="王芳", latin="Wang Fang")
    assert "wangfang" in person.name_search and "wf" in person.name_search.split()
    person.name_native = "李明"
    person.save(update_fields=["name_native"])
    assert "liming" in Person.objects.get(pk=person.pk).name_search
