"""Staff start a training run from the browser and watch its progress move.

The progress is driven from the test thread by updating the TrainingRun row, the way the
training worker does (ml.runs.ProgressRecorder); no worker and no model are involved, and
the task is not sent to any broker.
"""
from unittest import mock

import pytest
from playwright.sync_api import expect

from catalog import review
from ml import tasks
from ml.models import ModelVersion, TrainingRun

from .conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_it_starts_a_run_and_shows_its_progress_move(screenshot, page, live_server, staff, model_version):
    sign_in(page, live_server, "stella", "stella-password")
    page.goto(f"{live_server.url}/staff/runs/")
    page.get_by_label("Epochs").fill("2")
    with mock.patch.object(tasks.train_model, "delay", autospec=True) as delay:
        with page.expect_navigation():
            page.get_by_role("button", name="Start training").click()
    run = TrainingRun.objects.get()
    delay.assert_called_once_with(run.pk)
    assert run.parameters["epochs"] == 2 and run.requested_by == staff
    assert page.url.endswith(f"/staff/runs/{run.pk}/")

    percent = page.locator('output[data-field="percent"]')
    assert percent.inner_text() == "0.0"
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", stage="train", epoch=1, total_epochs=2, step=40, total_steps=100, percent=40.0,
        loss_history=[[0, 0.9], [10, 0.6], [20, 0.45], [30, 0.4], [40, 0.33]],
    )
    # expect() polls without eval(), which the Content-Security-Policy forbids in the page
    expect(page.locator("output[data-field=percent]")).to_have_text("40.0")
    assert page.locator("#run-percent").evaluate("p => p.value") == 40
    assert page.locator("#loss-chart polyline").count() == 1
    TrainingRun.objects.filter(pk=run.pk).update(
        step=80, percent=80.0, loss_history=[[0, 0.9], [10, 0.6], [20, 0.45], [40, 0.33], [60, 0.3], [80, 0.27]]
    )
    expect(page.locator("output[data-field=percent]")).to_have_text("80.0")
    screenshot(page, "training-run-progress")

    # when the run finishes, the page reloads with the evaluation figures
    TrainingRun.objects.filter(pk=run.pk).update(
        status="succeeded", step=100, percent=100.0, metrics=model_version.metrics
    )
    page.wait_for_selector("table.figures")
    assert "Frequency groups" in page.content()
    screenshot(page, "training-run-finished")


def test_it_compares_versions_and_shows_the_overview(
    screenshot, page, live_server, staff, model_version, sneaker_suggestions
):
    ModelVersion.objects.create(
        artifact_uri="test", checksum="1" * 64, encoder="test-encoder", label_count=12,
        metrics={"micro_p": 0.7, "micro_r": 0.65, "micro_f1": 0.674, "macro_f1": 0.45, "p@1": 0.85,
                 "groups": {"high": {"micro_f1": 0.88}, "rare": {"micro_f1": 0.2}}},
    )
    review.accept(staff, sneaker_suggestions["red"].pk)
    review.reject(staff, sneaker_suggestions["blue"].pk)
    sign_in(page, live_server, "stella", "stella-password")
    page.goto(f"{live_server.url}/staff/versions/")
    assert page.locator("table.compare tbody tr").count() > 5
    screenshot(page, "model-versions")
    page.goto(f"{live_server.url}/staff/")
    assert page.locator("table.figures").count() == 3
    screenshot(page, "catalogue-overview")


def test_a_run_started_with_nothing_changed_trains_like_the_active_version(page, live_server, staff, tmp_path, settings):
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text("{}")
    (encoder / "vocab.txt").write_text("[UNK]\n")
    settings.ZOKUSEI_ENCODER_DIRS = [tmp_path]
    parameters = {"encoder": str(encoder), "layers": 2, "max_length": 48, "epochs": 10, "batch_size": 32,
                  "lr": 1e-3, "head_lr": 1e-2, "bf16": True}
    trained = TrainingRun.objects.create(status="succeeded", parameters=parameters)
    ModelVersion.objects.create(run=trained, artifact_uri="test", checksum="0" * 64, is_active=True)

    sign_in(page, live_server, "stella", "stella-password")
    page.goto(f"{live_server.url}/staff/runs/")
    assert page.get_by_label("Epochs").input_value() == "10"
    assert page.get_by_label("Encoder", exact=True).input_value() == str(encoder)
    page.get_by_text("3 more options, kept as the active version had them").click()
    assert page.locator(".inherited-options code", has_text="head_lr").is_visible()
    with mock.patch.object(tasks.train_model, "delay", autospec=True):
        with page.expect_navigation():
            page.get_by_role("button", name="Start training").click()
    assert TrainingRun.objects.exclude(pk=trained.pk).get().parameters == parameters

    # An encoder folder that is not one is refused on the form, in words, before anything is queued.
    page.goto(f"{live_server.url}/staff/runs/")
    (tmp_path / "empty").mkdir()
    page.get_by_label("Encoder", exact=True).fill(str(tmp_path / "empty"))
    with page.expect_navigation():
        page.get_by_role("button", name="Start training").click()
    assert page.get_by_text("is not an encoder: it has no config.json").is_visible()
    assert TrainingRun.objects.count() == 2


def test_activation_warns_about_a_worse_version_and_shows_the_scoring_progress(page, live_server, staff, tmp_path):
    from ml.artifacts import artifact_checksum
    from ml.models import ScoringChunk

    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    active = ModelVersion.objects.create(artifact_uri=str(folder), checksum=artifact_checksum(folder), is_active=True)
    run = TrainingRun.objects.create(status="succeeded", comparison={
        "model_version": active.pk, "micro_f1": 0.6, "macro_f1": 0.3, "p@1": 0.8,
        "changes": {"products": 50, "active": 80, "new": 90, "kept": 70, "dropped": 10, "added": 20}})
    worse = ModelVersion.objects.create(run=run, artifact_uri=str(folder), checksum=artifact_checksum(folder),
                                        metrics={"micro_f1": 0.5, "macro_f1": 0.3, "p@1": 0.8})
    sign_in(page, live_server, "stella", "stella-password")
    page.goto(f"{live_server.url}/staff/versions/")
    assert page.get_by_text("Worse than the active version on its held-out figures").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Activate version {worse.pk}").click()
    assert page.get_by_text("did worse than the active version").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=f"Activate version {worse.pk} anyway").click()
    assert ModelVersion.objects.get(is_active=True) == worse

    # The fan-out was sent to the broker (none here): chunks recorded, then scored one by one.
    for first in (1, 101, 201):
        ScoringChunk.objects.create(version=worse, first_product_id=first, size=100)
    page.goto(f"{live_server.url}/staff/versions/")
    expect(page.locator('#scoring-progress [data-field="chunks_done"]')).to_have_text("0")
    ScoringChunk.objects.filter(first_product_id__lt=200).update(done_at="2026-12-03T12:00:00Z")
    expect(page.locator('#scoring-progress [data-field="chunks_done"]')).to_have_text("2")
    ScoringChunk.objects.update(done_at="2026-12-03T12:00:00Z")
    expect(page.locator("#scoring-progress [data-when-finished]")).to_be_visible()
