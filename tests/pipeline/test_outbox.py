"""The broker is unreachable: requests that committed answer success, and what they could not
send is kept (UnsentTask) and sent by beat once the broker is back (ml/outbox.py).

The broker is a Redis URL on a closed port; the transactional tests let `on_commit` run inside
the request, as it does in production (the 500 came from there).
"""
import pytest
from django.urls import reverse

from ml import outbox, versions
from ml.models import ModelVersion, TrainingRun, UnsentTask
from ml.scoring import score_products_on_commit


@pytest.fixture
def sent(monkeypatch):
    """What reaches the (working again) broker, by task name."""
    messages = []
    for name in ("train_model", "score_catalogue", "score_products", "withdraw_irrelevant", "follow_taxonomy"):
        monkeypatch.setattr(f"ml.tasks.{name}.delay", lambda *args, name=name: messages.append((name, list(args))))
    return messages


@pytest.mark.django_db(transaction=True)
def test_a_run_started_while_the_broker_is_down_is_created_once_and_sent_when_it_is_back(
        staff_api, catalogue, unreachable_broker, monkeypatch):
    response = staff_api.post(reverse("training-run-list"), {"parameters": {"epochs": 1}}, format="json")

    assert response.status_code == 201, response.content
    run = TrainingRun.objects.get()
    assert run.pk == response.data["id"] and run.status == "queued"
    unsent = UnsentTask.objects.get()
    assert (unsent.task, unsent.args) == ("ml.tasks.train_model", [run.pk])
    assert "127.0.0.1:1" in unsent.last_error
    assert response.data["waiting_for_broker"] is True  # the answer says so
    listed = staff_api.get(reverse("training-run-list")).json()["results"]
    assert [(r["id"], r["waiting_for_broker"]) for r in listed] == [(run.pk, True)]

    # while the broker is still down the sweep keeps the message and counts the failure
    assert outbox.send_unsent() == 0
    assert UnsentTask.objects.get().attempts == 2


@pytest.mark.django_db(transaction=True)
def test_the_sweep_sends_what_was_kept_and_forgets_it(catalogue, unreachable_broker, sent):
    UnsentTask.objects.create(task="ml.tasks.train_model", args=[7])
    UnsentTask.objects.create(task="ml.tasks.score_products", args=[3, [1, 2]])

    assert outbox.send_unsent() == 2

    assert sent == [("train_model", [7]), ("score_products", [3, [1, 2]])]
    assert not UnsentTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_activation_while_the_broker_is_down_succeeds_and_keeps_the_catalogue_scoring(
        registered_version, catalogue, unreachable_broker):
    version = registered_version("v")

    activated = versions.activate_version(version.pk)

    assert activated.is_active and ModelVersion.objects.get(is_active=True).pk == version.pk
    assert list(UnsentTask.objects.values_list("task", "args")) == [("ml.tasks.score_catalogue", [version.pk])]


@pytest.mark.django_db(transaction=True)
def test_a_product_created_while_the_broker_is_down_is_saved_and_its_scoring_kept(
        staff_api, registered_version, catalogue, unreachable_broker):
    version = registered_version("v")
    ModelVersion.objects.filter(pk=version.pk).update(is_active=True)
    payload = {"external_id": "NEW-1", "seller": catalogue.seller.slug, "category": catalogue.sneakers.pk,
               "title": "スニーカー レッド 25.0cm"}

    response = staff_api.post(reverse("product-list"), payload, format="json")

    assert response.status_code == 201, response.content
    assert list(UnsentTask.objects.values_list("task", "args")) == [
        ("ml.tasks.score_products", [version.pk, [response.data["id"]]])
    ]


@pytest.mark.django_db(transaction=True)
def test_a_taxonomy_edit_while_the_broker_is_down_keeps_the_withdrawal_pass(admin_api, catalogue, unreachable_broker):
    attribute = catalogue.values[("カラー", "レッド")].attribute

    response = admin_api.patch(reverse("attribute-detail", args=[attribute.pk]), {"name": "色"}, format="json")

    assert response.status_code == 200, response.content
    assert list(UnsentTask.objects.values_list("task", flat=True)) == ["ml.tasks.follow_taxonomy"]


@pytest.mark.django_db
def test_a_message_the_broker_takes_is_not_kept(catalogue, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        score_products_on_commit([catalogue.products[0].pk])  # no active version: nothing to send
        outbox.send_on_commit("ml.tasks.withdraw_irrelevant")
    assert sent == [("withdraw_irrelevant", [])]
    assert not UnsentTask.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_staff_starting_a_run_while_the_broker_is_down_are_told_it_waits_and_is_not_lost(
        client, staff, catalogue, unreachable_broker, monkeypatch):
    client.force_login(staff)

    response = client.post(reverse("frontend:start_run"), {"epochs": 1}, follow=True)

    run = TrainingRun.objects.get()
    assert response.status_code == 200 and response.redirect_chain[-1][0] == reverse("frontend:run", args=[run.pk])
    assert "The task queue (broker) is unreachable: the run is saved" in response.content.decode()

    # the broker is back: the sweep sends the run, and the page no longer warns
    sent = []
    monkeypatch.setattr("ml.tasks.train_model.delay", lambda *args: sent.append(list(args)))
    assert outbox.send_unsent() == 1 and sent == [[run.pk]]
    assert "waiting-for-broker" not in client.get(reverse("frontend:run", args=[run.pk])).content.decode()

