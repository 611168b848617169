"""Two people deciding the same suggestion at once: one decision wins, the other is refused.

Needs real row locks, so it runs on PostgreSQL only (SQLite serialises writers anyway).
"""
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from catalog import review
from catalog.models import Decision, ProductLabel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
def test_only_one_of_two_simultaneous_decisions_wins(alice, staff, sneaker, sneaker_suggestions):
    red = sneaker_suggestions["red"]
    start = threading.Barrier(2)
    outcomes = []

    def decide(user, action):
        start.wait()
        try:
            getattr(review, action)(user, red.pk)
            outcomes.append(action)
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=args) for args in ((alice, "accept"), (staff, "reject"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) in (["accept", "refused"], ["refused", "reject"])
    assert Decision.objects.filter(suggestion=red).count() == 1
    assert ProductLabel.objects.filter(product=sneaker).exists() == ("accept" in outcomes)
