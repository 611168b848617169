"""The staff overview's figures are computed in the background and stored (catalog/overview.py):
the page reads the newest summary and says how old it is."""
import pytest
from django.urls import reverse

from catalog import overview, review
from catalog.models import CatalogueSummary
from catalog.tasks import refresh_overview

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_stored_figures_until_they_are_recomputed(client, staff, sneaker_suggestions):
    client.force_login(staff)
    first = client.get(reverse("frontend:overview"))
    assert first.context["suggestions"]["accepted"] == 0
    assert "Figures as of" in first.content.decode()

    review.accept(staff, sneaker_suggestions["red"].pk)
    assert client.get(reverse("frontend:overview")).context["suggestions"]["accepted"] == 0  # the stored ones

    refresh_overview()
    assert client.get(reverse("frontend:overview")).context["suggestions"]["accepted"] == 1


def test_a_refresh_keeps_only_the_newest_summary_and_is_safe_twice(sneaker_suggestions):
    first = overview.refresh_overview()
    second = overview.refresh_overview()

    assert list(CatalogueSummary.objects.values_list("pk", flat=True)) == [second.pk]
    assert first.figures == second.figures and second.seconds >= 0
    assert overview.current_overview() == second


def test_staff_ask_for_a_recomputation_which_runs_in_the_background(
    client, staff, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr("catalog.tasks.refresh_overview.delay", lambda: sent.append("refresh"))
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("frontend:refresh_overview"))

    assert response.status_code == 302 and response.url == reverse("frontend:overview")
    assert sent == ["refresh"]
    assert CatalogueSummary.objects.count() == 0  # nothing computed in the request


def test_long_tables_show_their_first_rows_and_say_how_many_there_are(client, staff, sneaker_suggestions, bobs_tv,
                                                                      monkeypatch):
    monkeypatch.setattr("catalog.overview.ROWS_SHOWN", 1)
    review.accept(staff, sneaker_suggestions["red"].pk)  # the sneaker has a value now; the TV none
    client.force_login(staff)

    page = client.get(reverse("frontend:overview"))

    assert [row["category"] for row in page.context["completeness"]] == ["TVs"]
    assert page.context["category_total"] == 2
    assert "The 1 least complete categories, of 2 with products." in page.content.decode()


def test_the_learning_chart_puts_each_version_at_the_decisions_its_data_held(client, staff, sneaker_suggestions):
    from catalog.models import Decision
    from ml.models import ModelVersion, RunStatus, TrainingRun, TrainingSnapshot

    review.accept(staff, sneaker_suggestions["red"].pk)
    first_decision = Decision.objects.get().pk
    review.reject(staff, sneaker_suggestions["blue"].pk)
    for index, (last_decision, f1) in enumerate([(0, 0.30), (first_decision, 0.35), (first_decision + 1, 0.41)]):
        snapshot = TrainingSnapshot.objects.create(path=f"/tmp/s{index}", checksum="x", taxonomy_revision=0,
                                                   last_decision_id=last_decision)
        run = TrainingRun.objects.create(status=RunStatus.SUCCEEDED, snapshot=snapshot)
        ModelVersion.objects.create(run=run, artifact_uri=f"/tmp/v{index}", checksum="x",
                                    metrics={"micro_f1": f1, "macro_f1": f1 / 2})

    figures = overview.refresh_overview().figures

    assert [(row["decisions"], row["micro_f1"]) for row in figures["learning"]] == [(0, 0.30), (1, 0.35), (2, 0.41)]
    client.force_login(staff)
    page = client.get(reverse("frontend:overview")).content.decode()
    assert 'class="chart learning-chart"' in page and "3 versions, from 0 to 2 decisions" in page


def test_a_large_catalogue_never_summarised_is_computed_in_the_background_once(
    client, staff, sneaker_suggestions, bobs_tv, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from frontend.views.staff import FIRST_OVERVIEW_SENT

    cache.delete(FIRST_OVERVIEW_SENT)
    monkeypatch.setattr("catalog.overview.COMPUTED_IN_REQUEST_UP_TO", 1)  # 2 products: "large"
    sent = []
    monkeypatch.setattr("catalog.tasks.refresh_overview.delay", lambda: sent.append("refresh"))
    client.force_login(staff)

    with django_capture_on_commit_callbacks(execute=True):
        first = client.get(reverse("frontend:overview"))
        again = client.get(reverse("frontend:overview"))  # its reload, while the worker computes

    assert first.status_code == again.status_code == 200
    page = first.content.decode()
    assert "being computed for the first time" in page and 'http-equiv="refresh"' in page
    assert sent == ["refresh"]  # sent once, not on every reload
    assert CatalogueSummary.objects.count() == 0  # nothing computed in the request

    refresh_overview()  # the worker
    ready = client.get(reverse("frontend:overview"))
    assert ready.context["product_count"] == 2 and "Figures as of" in ready.content.decode()
    cache.delete(FIRST_OVERVIEW_SENT)


def test_a_small_catalogue_never_summarised_is_computed_in_the_request(client, staff, sneaker_suggestions):
    client.force_login(staff)
    assert client.get(reverse("frontend:overview")).context["suggestions"]["pending"] == 4
    assert CatalogueSummary.objects.count() == 1
