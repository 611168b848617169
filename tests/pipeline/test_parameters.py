"""Training options a person asks for (API, staff form) are bounded by one definition,
ml.xmc.config.USER_BOUNDS, and refused with the option's name; the operator's command line
(user=None) is trusted with any value TrainConfig accepts."""
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from frontend.forms import StartRunForm
from ml import runs
from ml.models import TrainingRun
from ml.xmc.config import USER_BOUNDS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name, value", [
    ("epochs", 1e12),
    ("epochs", 10**12),
    ("batch_size", 10**12),
    ("max_length", 100_000),
    ("lr", 0.0),
    ("head_lr", 50.0),
    ("grad_accumulation", 10**9),
    ("bf16", "yes"),
    ("device", "cuda:99"),
    ("device", "tpu"),
    ("encoder", "/etc"),
    ("encoder", "../../etc"),
    ("encoder", "org/name/../../etc"),
])
def test_the_api_refuses_an_option_out_of_bounds_with_its_name(staff_api, catalogue, name, value):
    response = staff_api.post(reverse("training-run-list"), {"parameters": {name: value}}, format="json")

    assert response.status_code == 400, response.content
    messages = response.json()["parameters"]
    assert len(messages) == 1 and messages[0].startswith(name), messages
    assert not TrainingRun.objects.exists()


def test_the_api_accepts_hub_names_encoders_under_the_allowed_folders_and_existing_gpus(
        staff_api, catalogue, tmp_path, settings, monkeypatch):
    monkeypatch.setattr("ml.tasks.train_model.delay", lambda run_id: None)
    settings.ZOKUSEI_ENCODER_DIRS, settings.ZOKUSEI_TRAINING_GPUS = [tmp_path], 2
    (tmp_path / "encoder").mkdir()
    (tmp_path / "encoder" / "config.json").write_text("{}")
    (tmp_path / "encoder" / "vocab.txt").write_text("[UNK]\n")
    accepted = [{"encoder": "cl-tohoku/bert-base-japanese-v3"}, {"encoder": "bert-base-uncased"},
                {"encoder": str(tmp_path / "encoder")}, {"device": "cuda:1"}, {"device": "auto"},
                {"epochs": USER_BOUNDS["epochs"][1], "head_lr": None}]
    for parameters in accepted:
        response = staff_api.post(reverse("training-run-list"), {"parameters": parameters}, format="json")
        assert response.status_code == 201, (parameters, response.content)

    refused = staff_api.post(reverse("training-run-list"), {"parameters": {"device": "cuda:2"}}, format="json")
    outside = staff_api.post(reverse("training-run-list"), {"parameters": {"encoder": str(tmp_path.parent)}}, format="json")
    assert refused.status_code == outside.status_code == 400
    assert "ZOKUSEI_TRAINING_GPUS" in refused.json()["parameters"][0]
    assert "ZOKUSEI_ENCODER_DIRS" in outside.json()["parameters"][0]


def test_the_operators_command_line_may_name_any_folder_and_more_epochs(catalogue, tmp_path):
    run = runs.start_training_run(None, {"encoder": str(tmp_path), "epochs": 500}, enqueue=False)
    assert run.parameters["epochs"] == 500

    with pytest.raises(ValidationError, match="epochs must lie between"):
        runs.validate_parameters({"epochs": 500})  # the same options from a person


def test_the_staff_form_has_the_bounds_of_the_api():
    form = StartRunForm()
    for name in ("epochs", "lr", "batch_size", "max_length"):
        field = form.fields[name]
        assert (field.min_value, field.max_value) == USER_BOUNDS[name], name


def test_the_staff_form_refuses_an_encoder_outside_the_allowed_folders_with_the_field(client, staff, catalogue):
    client.force_login(staff)

    response = client.post(reverse("frontend:start_run"), {"encoder": "/etc", "epochs": "3"})

    assert response.status_code == 400
    assert "encoder" in response.context["form"].errors
    assert not TrainingRun.objects.exists()
