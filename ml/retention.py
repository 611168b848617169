"""Retention: old model artifacts and training snapshots are removed from disk, their rows kept.

Each training run writes a snapshot folder and an artifact folder, so without a limit disk use
grows with every retraining. `prune` keeps:
- model artifacts: the active version, the version a roll-back would return to, and the
  `keep_versions` newest versions;
- snapshots: those of queued or running runs, those the kept versions were trained on, and
  the `keep_snapshots` newest.
Only folders under ZOKUSEI_MODEL_DIR and the snapshot root are deleted: a folder registered
with `register_model` from elsewhere belongs to whoever put it there. Rows are never deleted
(suggestions and decisions point at versions; runs at snapshots); a pruned row records when its
folder went, and a pruned version can no longer be activated. The rows are marked inside one
transaction that locks the versions, so an activation cannot pick a version being pruned; the
folders are deleted after it commits.
"""
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import ModelVersion, RunStatus, TrainingRun, TrainingSnapshot
from .snapshots import remove_partial_snapshots, snapshot_root


@dataclass
class PruneReport:
    versions: list[int] = field(default_factory=list)   # versions whose artifact folder was removed
    snapshots: list[int] = field(default_factory=list)  # snapshots whose folder was removed
    folders: list[str] = field(default_factory=list)
    dry_run: bool = False


def _inside(folder: str, root: Path) -> bool:
    try:
        return Path(folder).resolve().is_relative_to(root.resolve())
    except (OSError, ValueError):
        return False


def configured_limits() -> tuple[int | None, int | None]:
    """(keep_versions, keep_snapshots) from ZOKUSEI_KEEP_MODEL_VERSIONS / ZOKUSEI_KEEP_SNAPSHOTS;
    None where the setting is 0 (keep everything)."""
    return settings.ZOKUSEI_KEEP_MODEL_VERSIONS or None, settings.ZOKUSEI_KEEP_SNAPSHOTS or None


def apply_configured_retention() -> "PruneReport":
    """The daily retention (beat's prune_artifacts): snapshot folders a killed worker left
    half-written always go; then ZOKUSEI_KEEP_MODEL_VERSIONS / ZOKUSEI_KEEP_SNAPSHOTS (0 = keep all)."""
    remove_partial_snapshots()
    keep_versions, keep_snapshots = configured_limits()
    if keep_versions is None and keep_snapshots is None:
        return PruneReport()
    return prune(keep_versions, keep_snapshots)


def prune(keep_versions: int | None = None, keep_snapshots: int | None = None, *, dry_run: bool = False) -> PruneReport:
    """Remove the folders that fall outside the retention rules above; None = keep them all."""
    for name, keep in (("keep_versions", keep_versions), ("keep_snapshots", keep_snapshots)):
        if keep is not None and keep < 1:
            raise ValueError(f"{name} must be at least 1 (or None to keep everything), not {keep}")
    report = PruneReport(dry_run=dry_run)
    model_root, snap_root = Path(settings.ZOKUSEI_MODEL_DIR), snapshot_root()
    with transaction.atomic():
        versions = list(ModelVersion.objects.select_for_update().order_by("-created_at", "-pk"))
        kept_versions = {v.pk for v in versions}
        if keep_versions is not None:
            kept_versions = {v.pk for v in versions[:keep_versions]}
            for v in versions:
                if v.is_active:
                    kept_versions |= {v.pk, v.previous_active_id}
            for v in versions:
                if v.pk not in kept_versions and not v.artifact_pruned_at and _inside(v.artifact_uri, model_root):
                    report.versions.append(v.pk)
                    report.folders.append(v.artifact_uri)
        if keep_snapshots is not None:
            snapshots = list(TrainingSnapshot.objects.select_for_update().order_by("-created_at", "-pk"))
            kept_snapshots = {s.pk for s in snapshots[:keep_snapshots]}
            kept_snapshots |= set(TrainingRun.objects.filter(
                status__in=[RunStatus.QUEUED, RunStatus.RUNNING]).values_list("snapshot_id", flat=True))
            kept_snapshots |= set(TrainingRun.objects.filter(
                model_version__pk__in=kept_versions).values_list("snapshot_id", flat=True))
            for s in snapshots:
                if s.pk not in kept_snapshots and not s.pruned_at and _inside(s.path, snap_root):
                    report.snapshots.append(s.pk)
                    report.folders.append(s.path)
        if dry_run:
            return report
        now = timezone.now()
        ModelVersion.objects.filter(pk__in=report.versions).update(artifact_pruned_at=now)
        TrainingSnapshot.objects.filter(pk__in=report.snapshots).update(pruned_at=now)
        folders = list(report.folders)
        transaction.on_commit(lambda: [shutil.rmtree(folder, ignore_errors=True) for folder in folders])
    return report
