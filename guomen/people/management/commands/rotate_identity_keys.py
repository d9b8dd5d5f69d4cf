"""Re-encrypt every sealed identity number under the first key of GUOMEN_FIELD_KEYS.

Rotation: put the new key first in GUOMEN_FIELD_KEYS (keep the old ones after it), run this
command, then drop the old keys. Rows already under the newest key are left as they are,
so the command may be run again safely.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from guomen.people import crypto
from guomen.people.models import IdentityDocument


class Command(BaseCommand):
    help = "Re-encrypt every identity document number under the newest key (the first of GUOMEN_FIELD_KEYS)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")

    def handle(self, *args, batch_size: int = 500, **options) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        keys = list(settings.FIELD_ENCRYPTION_KEYS)
        if not keys:
            raise CommandError("GUOMEN_FIELD_KEYS is empty")
        newest = Fernet(keys[0].encode())
        total = rotated = current = 0
        last_pk = 0
        while True:
            with transaction.atomic():
                rows = list(
                    IdentityDocument.objects.select_for_update()
                    .filter(pk__gt=last_pk)
                    .order_by("pk")
                    .only("pk", "number_sealed")[:batch_size]
                )
                if not rows:
                    break
                changed = []
                for row in rows:
                    total += 1
                    try:
                        newest.decrypt(row.number_sealed.encode("ascii"))
                        current += 1
                        continue
                    except InvalidToken:
                        pass
                    try:
                        row.number_sealed = crypto.reseal(row.number_sealed)
                    except InvalidToken as exc:
                        raise CommandError(f"document {row.pk} cannot be decrypted with any configured key") from exc
                    changed.append(row)
                IdentityDocument.objects.bulk_update(changed, ["number_sealed"])
                rotated += len(changed)
                last_pk = rows[-1].pk
            self.stdout.write(f"… {total} checked, {rotated} re-encrypted")
        self.stdout.write(self.style.SUCCESS(f"{total} documents: {rotated} re-encrypted under the newest key, {current} already current"))
