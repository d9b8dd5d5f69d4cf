"""The dashboard's statements prepared per connection: a command looking at its places in turn."""

import pytest
from django.db import connection

from guomen.places.models import Jurisdiction, Level

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's"),
]


def test_a_second_round_over_the_same_dashboards_prepares_nothing_again(world, client_as):
    c = client_as("province")
    nodes = list(Jurisdiction.objects.filter(level__in=[Level.PROVINCE, Level.PREFECTURE, Level.COUNTY]).values_list("code", flat=True))
    for code in nodes:  # the first round prepares each statement once
        assert c.get(f"/command/?j={code}").status_code == 200
    prepared = connection.connection._prepared
    made, kept = prepared._prepared_idx, len(prepared._names)
    for code in nodes:
        assert c.get(f"/command/?j={code}").status_code == 200
    assert (prepared._prepared_idx - made, len(nodes), kept) == (0, len(nodes), kept)
