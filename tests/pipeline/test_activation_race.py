"""Two activations at the same moment: they take turns, exactly one version ends up active,
and a write the database still refuses is answered 409, not 500.

The race needs real row locks, so it runs on PostgreSQL only (SQLite serialises writers).
"""
import threading

import pytest
from django.db import IntegrityError, connection
from django.urls import reverse

from ml import versions
from ml.models import ModelVersion


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.parametrize("with_an_active_version", [False, True])
def test_two_simultaneous_activations_take_turns(registered_version, catalogue, eager_celery, with_an_active_version):
    if with_an_active_version:
        versions.activate_version(registered_version("old").pk)
    first, second = registered_version("first"), registered_version("second")
    start = threading.Barrier(2)
    outcomes = []

    def activate(version):
        start.wait()
        try:
            versions.activate_version(version.pk)
            outcomes.append("activated")
        except Exception as error:  # noqa: BLE001 - the failure is what the test looks for
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=activate, args=(v,)) for v in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert outcomes == ["activated", "activated"]
    active = ModelVersion.objects.get(is_active=True)
    other = first if active.pk == second.pk else second
    # the later one rolls back to the earlier one, which rolls back to what was active before
    assert active.previous_active_id == other.pk


@pytest.mark.django_db
def test_a_conflicting_activation_is_answered_409(staff_api, monkeypatch):
    version = ModelVersion.objects.create(artifact_uri="/nonexistent/model", checksum="0" * 64)

    def loses(version_id, user):
        raise IntegrityError('duplicate key value violates unique constraint "one_active_model_version"')

    monkeypatch.setattr(versions, "activate_version", loses)

    response = staff_api.post(reverse("model-version-activate", args=[version.pk]))

    assert response.status_code == 409
    assert "at the same time" in response.json()["detail"]
