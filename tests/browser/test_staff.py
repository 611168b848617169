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
