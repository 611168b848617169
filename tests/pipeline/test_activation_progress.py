"""Activation: the catalogue scoring's progress in chunks, counted once however often a chunk
runs; the versions page shows it, warns about a worse version and previews the change."""
import pytest
from django.urls import reverse

from ml.models import ModelVersion, TrainingRun
from ml.scoring import score_chunk, scoring_progress
from ml.tasks import score_catalogue

pytestmark = pytest.mark.django_db


def test_scoring_progress_counts_each_chunk_once_however_often_it_runs(
        catalogue, registered_version, settings, monkeypatch):
    settings.ZOKUSEI_SCORING_CHUNK_SIZE = 10
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    sent = []
    monkeypatch.setattr("ml.tasks.score_products.delay", lambda version_id, ids: sent.append(ids))
    score_catalogue(version.pk)
    score_catalogue(version.pk)  # the fan-out task delivered twice

    assert scoring_progress(version.pk) == {"chunks_done": 0, "chunks_total": 4, "products_done": 0,
                                            "products_total": 39, "finished": False}
    score_chunk(version.pk, sent[0])
    score_chunk(version.pk, sent[0])  # a redelivered chunk
    assert scoring_progress(version.pk)["chunks_done"] == 1
    for ids in sent[1:4]:
        score_chunk(version.pk, ids)
    assert scoring_progress(version.pk) == {"chunks_done": 4, "chunks_total": 4, "products_done": 39,
                                            "products_total": 39, "finished": True}


@pytest.fixture
def candidate(registered_version):
    """An active version and a newer one whose run compared itself with it on held-out products."""
    active = registered_version("active")
    ModelVersion.objects.filter(pk=active.pk).update(is_active=True)

    def make(micro_f1, macro_f1, p1):
        run = TrainingRun.objects.create(status="succeeded", comparison={
            "model_version": active.pk, "micro_f1": 0.6, "macro_f1": 0.3, "p@1": 0.8,
            "changes": {"products": 50, "active": 80, "new": 90, "kept": 70, "dropped": 10, "added": 20},
        })
        version = registered_version(f"candidate-{run.pk}")
        ModelVersion.objects.filter(pk=version.pk).update(
            run=run, metrics={"micro_f1": micro_f1, "macro_f1": macro_f1, "p@1": p1})
        return ModelVersion.objects.get(pk=version.pk)

    return active, make


def test_a_worse_version_is_activated_only_after_staff_confirm(client, staff, candidate):
    active, make = candidate
    worse = make(0.55, 0.35, 0.8)  # below on micro-F1, above on macro-F1
    client.force_login(staff)
    page = client.get(reverse("frontend:versions")).content.decode()
    assert "Worse than the active version on its held-out figures" in page and "Micro F1 60.0 → 55.0" in page
    assert "10 suggestions would go, 20 would be new, 70 would stay" in page

    asked = client.post(reverse("frontend:activate_version", args=[worse.pk]))
    assert asked.status_code == 409 and "did worse than the active version" in asked.content.decode()
    assert ModelVersion.objects.get(is_active=True) == active

    client.post(reverse("frontend:activate_version", args=[worse.pk]), {"confirm": "worse"})
    assert ModelVersion.objects.get(is_active=True) == worse


def test_a_better_version_is_activated_at_once_with_its_preview_shown(client, staff, candidate):
    active, make = candidate
    better = make(0.65, 0.35, 0.85)
    client.force_login(staff)
    page = client.get(reverse("frontend:versions")).content.decode()
    assert "Worse than the active version" not in page and "20 would be new" in page
    assert client.post(reverse("frontend:activate_version", args=[better.pk])).status_code == 302
    assert ModelVersion.objects.get(is_active=True) == better


def test_the_versions_page_shows_and_serves_the_scoring_progress(
        client, staff, catalogue, registered_version, settings, monkeypatch):
    settings.ZOKUSEI_SCORING_CHUNK_SIZE = 10
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    sent = []
    monkeypatch.setattr("ml.tasks.score_products.delay", lambda version_id, ids: sent.append(ids))
    score_catalogue(version.pk)
    score_chunk(version.pk, sent[0])
    client.force_login(staff)

    page = client.get(reverse("frontend:versions")).content.decode()
    assert 'id="scoring-progress"' in page and 'data-field="chunks_done">1<' in page
    progress = client.get(reverse("frontend:version_scoring", args=[version.pk])).json()
    assert progress["chunks_done"] == 1 and progress["chunks_total"] == 4 and not progress["finished"]


def test_the_preview_counts_suggestions_kept_dropped_and_added():
    from ml.training import suggestion_changes

    old = [{"id": "a", "predicted": [["Color", "red"], ["Size", "26"]]}, {"id": "b", "predicted": []}]
    new = [{"id": "a", "predicted": [["Color", "red"]]}, {"id": "b", "predicted": [["Color", "blue"]]}]
    assert suggestion_changes(old, new) == {"products": 2, "active": 2, "new": 2, "kept": 1, "dropped": 1, "added": 1}
