"""The training API's routes with a format suffix (DefaultRouter adds `.json` twins) work
like the plain ones: the actions took no `format` argument and answered 500."""
import pytest
from django.urls import reverse
from rest_framework import status

from ml.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db


def test_cancelling_a_run_through_its_json_suffixed_url_answers_like_the_plain_url(staff_api, staff):
    run = TrainingRun.objects.create(requested_by=staff, parameters={})

    response = staff_api.post(reverse("training-run-cancel", kwargs={"pk": run.pk, "format": "json"}))

    assert response.status_code == status.HTTP_200_OK
    assert response.json()["cancel_requested"] is True


def test_activating_a_version_through_its_json_suffixed_url_is_no_server_error(staff_api):
    version = ModelVersion.objects.create(artifact_uri="missing", checksum="0" * 64)

    response = staff_api.post(reverse("model-version-activate", kwargs={"pk": version.pk, "format": "json"}))

    assert response.status_code == staff_api.post(reverse("model-version-activate", kwargs={"pk": version.pk})).status_code
    assert response.status_code < 500


def test_rolling_back_through_the_json_suffixed_url_is_no_server_error(staff_api):
    response = staff_api.post(reverse("model-version-rollback", kwargs={"format": "json"}))

    assert response.status_code == staff_api.post(reverse("model-version-rollback")).status_code == 400
