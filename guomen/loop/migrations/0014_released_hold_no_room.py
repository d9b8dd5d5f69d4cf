"""A person released from quarantine holds no room: clear the room of journeys released and still
waiting in the facility's custody for the onward handover, as the projection now does."""

from django.db import migrations


def clear_rooms(apps, schema_editor):
    Journey = apps.get_model("loop", "Journey")
    Journey.objects.filter(state="in_facility", facts__has_key="released_at").exclude(room="").update(room="")


class Migration(migrations.Migration):
    dependencies = [
        ("loop", "0013_journey_handover_waiting_index"),
    ]

    operations = [
        migrations.RunPython(clear_rooms, migrations.RunPython.noop),
    ]
