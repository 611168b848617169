import pytest
from django.urls import reverse
from rest_framework import status
from rest_framework.test import APIClient

from ml.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(django_user_model):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("sakura", password="x", is_staff=True))
    return client


@pytest.fixture
def seller_client(django_user_model, catalogue):
    client = APIClient()
    client.force_authenticate(django_user_model.objects.create_user("ken", password="x", seller=catalogue.seller))
    return client


def test_it_lets_staff_start_a_run_from_the_api(staff_client, catalogue, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("ml.tasks.train_model.delay", lambda run_id: sent.append(run_id))

    with django_capture_on_commit_callbacks(execute=True):
        response = staff_client.post(reverse("training-run-list"), {"parameters": {"epochs": 1}}, format="json")

    assert response.status_code == status.HTTP_201_CREATED, response.data
    run = TrainingRun.objects.get(pk=response.data["id"])
    assert run.status == "queued" and run.parameters["epochs"] == 1
    assert sent == [run.pk]


def test_it_refuses_bad_parameters_with_the_reason(staff_client, catalogue):
    response = staff_client.post(reverse("training-run-list"), {"parameters": {"epochz": 1}}, format="json")
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "epochz" in str(response.data)


def test_it_keeps_sellers_out_of_training_and_versions(seller_client):
    assert seller_client.get(reverse("training-run-list")).status_code == status.HTTP_403_FORBIDDEN
    assert seller_client.post(reverse("training-run-list"), {}, format="json").status_code == status.HTTP_403_FORBIDDEN
    assert seller_client.get(reverse("model-version-list")).status_code == status.HTTP_403_FORBIDDEN
    assert seller_client.post(reverse("model-version-rollback")).status_code == status.HTTP_403_FORBIDDEN


def test_it_cancels_a_queued_run_from_the_api(staff_client, catalogue):
    run = TrainingRun.objects.create(parameters={})
    response = staff_client.post(reverse("training-run-cancel", args=[run.pk]))
    assert response.status_code == status.HTTP_200_OK
    assert response.data["status"] == "cancelled"


def test_it_reports_a_broken_artifact_when_activating_from_the_api(staff_client):
    version = ModelVersion.objects.create(artifact_uri="/nonexistent/model", checksum="0" * 64)
    response = staff_client.post(reverse("model-version-activate", args=[version.pk]))
    assert response.status_code == status.HTTP_400_BAD_REQUEST
    assert "does not exist" in str(response.data)
