import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ml import versions
from ml.models import ModelVersion

pytestmark = pytest.mark.django_db


def test_it_refuses_a_corrupted_artifact_and_keeps_the_active_version(registered_version, eager_celery, catalogue):
    active, candidate = registered_version("a"), registered_version("b")
    versions.activate_version(active.pk)
    weights = next(p for p in __import__("pathlib").Path(candidate.artifact_uri).rglob("*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-16] + b"\0" * 16)

    with pytest.raises(ValidationError, match="does not match its recorded checksum"):
        versions.activate_version(candidate.pk)

    assert ModelVersion.objects.get(is_active=True).pk == active.pk


def test_it_refuses_a_missing_artifact(registered_version, eager_celery, catalogue):
    import shutil

    candidate = registered_version("gone")
    shutil.rmtree(candidate.artifact_uri)

    with pytest.raises(ValidationError, match="does not exist"):
        versions.activate_version(candidate.pk)
    assert not ModelVersion.objects.filter(is_active=True).exists()


def test_it_keeps_exactly_one_active_version_and_rolls_back(registered_version, eager_celery, catalogue):
    first, second = registered_version("first"), registered_version("second")
    versions.activate_version(first.pk)
    versions.activate_version(second.pk)
    assert list(ModelVersion.objects.filter(is_active=True)) == [second]

    rolled = versions.roll_back()

    assert rolled.pk == first.pk
    assert list(ModelVersion.objects.filter(is_active=True).values_list("pk", flat=True)) == [first.pk]


def test_it_refuses_activation_by_a_seller(registered_version, django_user_model):
    seller_user = django_user_model.objects.create_user("ken", password="x")
    with pytest.raises(PermissionDenied):
        versions.activate_version(registered_version("x").pk, seller_user)


def test_it_says_when_there_is_nothing_to_roll_back_to(registered_version, eager_celery, catalogue):
    versions.activate_version(registered_version("only").pk)
    with pytest.raises(ValidationError, match="no earlier model version"):
        versions.roll_back()
