"""Retention: old artifact and snapshot folders go, rows and everything still needed stay."""
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from ml import versions
from ml.artifacts import artifact_checksum
from ml.models import ModelVersion, RunStatus, TrainingRun, TrainingSnapshot
from ml.retention import prune
from ml.snapshots import snapshot_root

pytestmark = pytest.mark.django_db


def _folder(path: Path) -> Path:
    path.mkdir(parents=True)
    (path / "model.safetensors").write_bytes(b"weights")
    return path


def _version(folder: Path, **fields) -> ModelVersion:
    return ModelVersion.objects.create(artifact_uri=str(folder), checksum=artifact_checksum(folder), **fields)


@pytest.fixture
def six_versions(model_dir):
    """v1..v6, oldest first; v3 is active and was activated over v1."""
    made = [_version(_folder(Path(model_dir) / f"run-{i}")) for i in range(1, 7)]
    v1, v3 = made[0], made[2]
    v3.is_active, v3.previous_active = True, v1
    v3.save()
    return made


def test_it_keeps_the_newest_the_active_and_its_roll_back_target_and_removes_the_rest(
        six_versions, django_capture_on_commit_callbacks):
    v1, v2, v3, v4, v5, v6 = six_versions

    with django_capture_on_commit_callbacks(execute=True):
        report = prune(keep_versions=2)

    assert sorted(report.versions) == [v2.pk, v4.pk]
    for version in six_versions:
        version.refresh_from_db()
        removed = version.pk in (v2.pk, v4.pk)
        assert Path(version.artifact_uri).exists() is not removed
        assert (version.artifact_pruned_at is not None) is removed
    # the rows stay, and a second pass finds nothing more to do
    assert ModelVersion.objects.count() == 6
    with django_capture_on_commit_callbacks(execute=True):
        assert prune(keep_versions=2).versions == []


def test_a_pruned_version_cannot_be_activated_but_roll_back_still_works(
        six_versions, django_capture_on_commit_callbacks):
    v1, v2, v3 = six_versions[:3]
    with django_capture_on_commit_callbacks(execute=True):
        prune(keep_versions=1)
    with pytest.raises(ValidationError, match="removed by retention"):
        versions.activate_version(v2.pk)
    assert versions.roll_back().pk == v1.pk


def test_it_never_deletes_a_folder_registered_from_elsewhere(model_dir, tmp_path, django_capture_on_commit_callbacks):
    outside = _version(_folder(tmp_path / "elsewhere" / "mine"))
    _version(_folder(Path(model_dir) / "run-2"))
    with django_capture_on_commit_callbacks(execute=True):
        assert prune(keep_versions=1).versions == []
    assert Path(outside.artifact_uri).exists()


def test_it_keeps_the_snapshots_of_kept_versions_and_unfinished_runs(
        model_dir, django_capture_on_commit_callbacks):
    snapshots = [
        TrainingSnapshot.objects.create(path=str(_folder(snapshot_root() / f"s{i}")), checksum="x", taxonomy_revision=1)
        for i in range(1, 5)
    ]
    s1, s2, s3, s4 = snapshots
    TrainingRun.objects.create(status=RunStatus.RUNNING, snapshot=s1)
    trained = TrainingRun.objects.create(status=RunStatus.SUCCEEDED, snapshot=s2)
    _version(_folder(Path(model_dir) / "run-1"), run=trained, is_active=True)

    with django_capture_on_commit_callbacks(execute=True):
        report = prune(keep_versions=1, keep_snapshots=1)

    assert report.snapshots == [s3.pk]
    assert [Path(s.path).exists() for s in snapshots] == [True, True, False, True]
    assert TrainingSnapshot.objects.get(pk=s3.pk).pruned_at is not None


def test_a_dry_run_removes_nothing(six_versions, django_capture_on_commit_callbacks, capsys):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("prune_artifacts", "--keep-versions", "2", "--dry-run")
    assert "would remove the artifacts of 2 model version(s)" in capsys.readouterr().out
    assert all(Path(v.artifact_uri).exists() for v in six_versions)
    assert not ModelVersion.objects.filter(artifact_pruned_at__isnull=False).exists()


def test_the_command_wants_a_limit_and_a_sensible_one(six_versions, settings):
    settings.ZOKUSEI_KEEP_MODEL_VERSIONS = settings.ZOKUSEI_KEEP_SNAPSHOTS = 0
    with pytest.raises(CommandError, match="nothing to prune"):
        call_command("prune_artifacts")
    with pytest.raises(CommandError, match="at least 1"):
        call_command("prune_artifacts", "--keep-versions", "0")


def test_the_daily_task_follows_the_settings(six_versions, settings, django_capture_on_commit_callbacks):
    from ml.tasks import prune_artifacts

    settings.ZOKUSEI_KEEP_MODEL_VERSIONS = 0
    assert prune_artifacts.run() == {"versions": [], "snapshots": []}
    settings.ZOKUSEI_KEEP_MODEL_VERSIONS = 1
    v1, v2, v3, v4, v5, v6 = six_versions
    with django_capture_on_commit_callbacks(execute=True):
        assert sorted(prune_artifacts.run()["versions"]) == [v2.pk, v4.pk, v5.pk]
