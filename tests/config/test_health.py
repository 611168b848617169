"""/healthz: the database decides health; the broker is reported, quickly, without failing it."""
import time

import pytest
from django.urls import reverse

from ml.models import UnsentTask
from tests.pipeline.conftest import unreachable_broker  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_it_reports_a_reachable_broker(client):
    # the one address kept literal: docker-compose.yml and load balancers probe it by this path
    assert reverse("healthz") == "/healthz"
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "unsent_tasks": 0}


def test_it_reports_an_unreachable_broker_and_the_kept_messages_without_hanging(client, unreachable_broker):  # noqa: F811
    UnsentTask.objects.create(task="ml.tasks.score_catalogue", args=[1])

    started = time.monotonic()
    response = client.get(reverse("healthz"))
    elapsed = time.monotonic() - started

    # still 200: the web server works and keeps what it cannot send; a 503 would take it out of service
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded" and body["broker"].startswith("unreachable: ")
    assert body["unsent_tasks"] == 1
    assert elapsed < 5


def test_a_broker_that_does_not_answer_is_given_up_on(monkeypatch):
    from config import health
    from config.celery import app

    class Silent:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def ensure_connection(self, **kwargs):
            time.sleep(30)

    monkeypatch.setattr(app, "connection_for_write", lambda: Silent())
    started = time.monotonic()
    assert health.broker_problem(timeout=0.3) == "no answer within 0.3 s"
    assert time.monotonic() - started < 2
