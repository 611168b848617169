"""Staff pages: runs, progress JSON, versions (activate, roll back), overview; sellers kept out."""
import pytest
from django.urls import reverse

from catalog import review
from ml.artifacts import artifact_checksum
from ml.models import ModelVersion, TrainingRun

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["overview", "runs", "versions"]


@pytest.fixture
def staff_browser(client, staff):
    client.force_login(staff)
    return client


def url(name, *args):
    return reverse(f"frontend:{name}", args=args)


@pytest.fixture
def artifact(tmp_path):
    """A stand-in artifact folder, so that activation's checksum check passes."""
    folder = tmp_path / "artifact"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    return str(folder), artifact_checksum(folder)


@pytest.mark.parametrize("name", STAFF_PAGES)
def test_sellers_may_not_open_staff_pages(client, alice, name):
    client.force_login(alice)
    assert client.get(url(name)).status_code == 403


def test_sellers_may_not_start_or_cancel_runs(client, alice):
    client.force_login(alice)
    run = TrainingRun.objects.create()
    assert client.post(url("start_run"), {"epochs": 1}).status_code == 403
    assert client.post(url("cancel_run", run.pk)).status_code == 403
    assert client.get(url("run_progress", run.pk)).status_code == 403
    assert TrainingRun.objects.count() == 1 and not TrainingRun.objects.get().cancel_requested


def test_staff_start_a_run(staff_browser, staff):
    response = staff_browser.post(url("start_run"), {"epochs": "3", "lr": "0.0002", "batch_size": ""})
    run = TrainingRun.objects.get()
    assert response["Location"] == url("run", run.pk)
    assert run.requested_by == staff and run.status == "queued"
    assert run.parameters["epochs"] == 3 and run.parameters["lr"] == 0.0002 and "batch_size" not in run.parameters


def test_a_bad_parameter_is_shown_on_the_form(staff_browser):
    response = staff_browser.post(url("start_run"), {"epochs": "0"})
    assert response.status_code == 400 and not TrainingRun.objects.exists()


def test_the_run_page_and_its_progress(staff_browser):
    run = TrainingRun.objects.create(
        status="running", percent=42.5, step=17, total_steps=40, loss_history=[[1, 0.9], [17, 0.4]],
        metrics={"micro_f1": 0.5, "groups": {"rare": {"micro_f1": 0.1}}},
    )
    page = staff_browser.get(url("run", run.pk)).content.decode()
    progress_url = url("run_progress", run.pk)
    assert f'data-progress-url="{progress_url}"' in page
    assert "<polyline" in page and "Frequency groups" in page and "Rare (1–99)" in page
    data = staff_browser.get(url("run_progress", run.pk)).json()
    assert data["percent"] == 42.5 and data["status"] == "running" and not data["finished"]
    assert data["loss_history"] == [[1, 0.9], [17, 0.4]] and "<polyline" in data["chart_html"]


def test_staff_cancel_a_run(staff_browser):
    run = TrainingRun.objects.create(status="running")
    response = staff_browser.post(url("cancel_run", run.pk), follow=True)
    assert TrainingRun.objects.get(pk=run.pk).cancel_requested
    assert "Cancellation requested." in response.content.decode()
    response = staff_browser.post(url("cancel_run", TrainingRun.objects.create(status="succeeded").pk), follow=True)
    assert "has already succeeded" in response.content.decode()


def test_staff_activate_a_version_and_roll_back(staff_browser, model_version, artifact):
    uri, checksum = artifact
    model_version.artifact_uri, model_version.checksum = uri, checksum
    model_version.save()
    newer = ModelVersion.objects.create(artifact_uri=uri, checksum=checksum, metrics={"micro_f1": 0.7})
    response = staff_browser.post(url("activate_version", newer.pk), follow=True)
    assert f"Model version {newer.pk} is now active." in response.content.decode()
    assert ModelVersion.objects.get(is_active=True) == newer
    response = staff_browser.post(url("roll_back"), follow=True)
    assert f"model version {model_version.pk} is active again" in response.content.decode()
    assert ModelVersion.objects.get(is_active=True) == model_version


def test_a_refused_activation_is_explained(staff_browser, model_version):
    broken = ModelVersion.objects.create(artifact_uri="/nonexistent", checksum="x")
    response = staff_browser.post(url("activate_version", broken.pk), follow=True)
    assert "cannot be activated" in response.content.decode()
    assert ModelVersion.objects.get(is_active=True) == model_version
    response = staff_browser.post(url("roll_back"), follow=True)
    assert "no earlier model version" in response.content.decode()


def test_a_version_whose_artifact_was_removed_says_so_and_offers_no_activation(staff_browser, model_version):
    from django.utils import timezone

    pruned = ModelVersion.objects.create(artifact_uri="x", checksum="x", artifact_pruned_at=timezone.now())
    page = staff_browser.get(url("versions")).content.decode()
    assert "Artifact removed" in page
    assert url("activate_version", pruned.pk) not in page


def test_versions_side_by_side(staff_browser, model_version):
    other = ModelVersion.objects.create(artifact_uri="x", checksum="x", metrics={"micro_f1": 0.786, "p@1": 0.5})
    response = staff_browser.get(url("versions"), {"a": model_version.pk, "b": other.pk})
    rows = {row["label"]: row for row in response.context["comparison"]}
    assert rows["Micro F1"]["left"] == "68.6" and rows["Micro F1"]["right"] == "78.6"
    assert rows["Micro F1"]["delta"] == "+10.0" and rows["Micro F1"]["better"] == "right"
    assert rows["P@1"]["delta"] == "-40.0"


def test_the_overview_counts(staff_browser, staff, sneaker, sneaker_suggestions, bobs_tv, model_version):
    review.accept(staff, sneaker_suggestions["red"].pk)
    review.reject(staff, sneaker_suggestions["blue"].pk)
    review.accept(staff, sneaker_suggestions["26"].pk)
    context = staff_browser.get(url("overview")).context
    assert context["product_count"] == 2 and context["labelled_count"] == 1
    assert context["suggestions"]["pending"] == 2 and context["suggestions"]["accepted"] == 2
    by_attribute = {row["label"]: row["rate"] for row in context["by_attribute"]}
    assert by_attribute == {"Color": 50.0, "Shoe size (cm)": 100.0}
    assert [(row["label"], row["total"]) for row in context["by_version"]] == [(model_version.pk, 3)]
    completeness = {row["category"]: row["rate"] for row in context["completeness"]}
    # the sneaker has Color and Shoe size filled of its 2 relevant attributes; the TV none of 2
    assert completeness == {"Shoes › Men's shoes › Sneakers": 100.0, "TVs": 0.0}


@pytest.fixture
def demo_like_version(tmp_path, settings):
    """An active version trained the way the demo trains: a local encoder folder and options
    far from the pipeline's defaults."""
    encoder = tmp_path / "encoder"
    encoder.mkdir()
    (encoder / "config.json").write_text("{}")
    (encoder / "vocab.txt").write_text("[PAD]\n[UNK]\n")
    settings.ZOKUSEI_ENCODER_DIRS = [tmp_path]
    parameters = {"encoder": str(encoder), "layers": 2, "max_length": 48, "epochs": 10, "batch_size": 32,
                  "lr": 1e-3, "head_lr": 1e-2, "bf16": True}
    run = TrainingRun.objects.create(status="succeeded", parameters=parameters)
    return ModelVersion.objects.create(run=run, artifact_uri="test", checksum="0" * 64, is_active=True), parameters


def _initial_post(page):
    """What a browser posts for the form as it is shown: every field with its initial value."""
    import re

    form = page[page.index('action="' + url("start_run")):]
    form = form[:form.index("</form>")]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([a-z_]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag and " checked" not in tag:
            continue  # a browser posts a checkbox only when it is ticked
        if name != "csrfmiddlewaretoken":
            fields[name] = value.group(1) if value else ""
    return fields


def test_the_form_starts_from_the_active_versions_settings(staff_browser, demo_like_version):
    version, parameters = demo_like_version
    page = staff_browser.get(url("runs")).content.decode()

    posted = _initial_post(page)
    assert posted == {"epochs": "10", "lr": "0.001", "batch_size": "32", "max_length": "48", "encoder": parameters["encoder"]}
    assert "head_lr" in page and "bf16" in page  # the options the form does not show, listed as kept
    response = staff_browser.post(url("start_run"), posted)

    run = TrainingRun.objects.exclude(pk=version.run_id).get()
    assert response.status_code == 302 and run.parameters == parameters


def test_an_emptied_field_keeps_the_active_versions_value(staff_browser, demo_like_version):
    version, parameters = demo_like_version
    staff_browser.post(url("start_run"), {"epochs": "2", "encoder": ""})
    run = TrainingRun.objects.exclude(pk=version.run_id).get()
    assert run.parameters == {**parameters, "epochs": 2}


def test_ticking_warm_start_asks_the_run_for_one(staff_browser, demo_like_version):
    version, parameters = demo_like_version
    staff_browser.post(url("start_run"), {"warm_start": "on"})
    run = TrainingRun.objects.exclude(pk=version.run_id).get()
    assert run.parameters == {**parameters, "warm_start": True}


def test_without_an_active_version_the_form_keeps_the_pipelines_defaults(staff_browser):
    page = staff_browser.get(url("runs")).content.decode()
    assert _initial_post(page) == {"epochs": "", "lr": "", "batch_size": "", "max_length": "", "encoder": ""}


def test_an_encoder_folder_that_is_not_an_encoder_is_refused_in_plain_words(staff_browser, demo_like_version, tmp_path):
    empty = tmp_path / "not-an-encoder"
    empty.mkdir()
    response = staff_browser.post(url("start_run"), {"encoder": str(empty)})
    page = response.content.decode()
    assert response.status_code == 400 and "is not an encoder: it has no config.json" in page
    assert "OSError" not in page and TrainingRun.objects.count() == 1


def test_a_hub_encoder_that_cannot_be_downloaded_is_refused_before_queuing(
        staff_browser, staff_api, monkeypatch, settings):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    settings.ZOKUSEI_DEFAULT_ENCODER = "org/never-downloaded"
    # The form left empty with no active version: the pipeline's default encoder, not on this machine.
    response = staff_browser.post(url("start_run"), {})
    assert response.status_code == 302  # back to the runs page, with the reason as a message
    page = staff_browser.get(response["Location"]).content.decode()
    assert "is not on this machine and downloads are switched off" in page
    api = staff_api.post("/api/training-runs/", {"parameters": {"encoder": "org/not-downloaded"}}, format="json")
    assert api.status_code == 400 and "is not on this machine" in str(api.json())
    assert not TrainingRun.objects.exists()
