"""Model versions: registering a trained artifact, activating one, rolling back."""
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.roles import is_staff_member

from .artifacts import ArtifactError, artifact_checksum, verify_artifact
from .models import ModelVersion
from .outbox import send_on_commit


def register_version(*, run, artifact_dir, encoder, label_count, taxonomy_revision, metrics) -> ModelVersion:
    return ModelVersion.objects.create(
        run=run,
        artifact_uri=str(artifact_dir),
        checksum=artifact_checksum(artifact_dir),
        encoder=encoder,
        label_count=label_count,
        taxonomy_revision=taxonomy_revision,
        metrics=metrics,
    )


def active_version() -> ModelVersion | None:
    return ModelVersion.objects.filter(is_active=True).first()


# The held-out figures staff are warned about when a candidate is below the active version.
HEADLINE_FIGURES = ("micro_f1", "macro_f1", "p@1")


def activation_preview(version: ModelVersion, active: ModelVersion | None) -> dict | None:
    """What activating `version` instead of `active` would do, from the figures its run measured
    for both on the same held-out products (ml.training.evaluate_against_active): the headline
    figures that are worse, and how many of the active version's suggestions would change.
    None when the run did not compare against this active version (another one was active then)."""
    comparison = (version.run.comparison if version.run_id else None) or {}
    if active is None or comparison.get("model_version") != active.pk or "error" in comparison:
        return None
    metrics = version.metrics or {}
    worse = [name for name in HEADLINE_FIGURES
             if name in metrics and name in comparison and metrics[name] < comparison[name]]
    figures = {name: (comparison.get(name), metrics.get(name)) for name in HEADLINE_FIGURES}
    return {"worse": worse, "figures": figures, "changes": comparison.get("changes")}


def activate_version(version_id: int, user=None) -> ModelVersion:
    """Make one version the active one and score the catalogue with it.

    `user=None` means the system (automatic activation); a person must be staff. The artifact
    is verified first: a missing or altered one is refused and the active version stays.
    """
    if user is not None and not is_staff_member(user):
        raise PermissionDenied("only staff may activate a model version")
    with transaction.atomic():
        # Activations take turns: every version row is locked (in retention's order, so the two
        # never deadlock). Locking only the new and the active row is not enough: two
        # activations with no active version, or started before the other committed, lock
        # different rows and the loser hits the one-active constraint. Versions are few.
        list(ModelVersion.objects.select_for_update().order_by("-created_at", "-pk").values_list("pk", flat=True))
        locked = {v.pk: v for v in ModelVersion.objects.filter(Q(pk=version_id) | Q(is_active=True))}
        version = locked.get(version_id)
        if version is None:
            raise ValidationError(f"model version {version_id} does not exist")
        if version.is_active:
            return version
        if version.artifact_pruned_at:
            raise ValidationError(
                f"model version {version_id} cannot be activated: its artifact was removed by retention "
                f"on {version.artifact_pruned_at:%Y-%m-%d %H:%M} UTC"
            )
        try:
            verify_artifact(version.artifact_uri, version.checksum)
        except ArtifactError as error:
            raise ValidationError(f"model version {version_id} cannot be activated: {error}") from None
        previous = next((v for v in locked.values() if v.is_active), None)
        if previous is not None:
            previous.is_active = False
            previous.save(update_fields=["is_active"])
        version.is_active = True
        version.activated_at = timezone.now()
        version.activated_by = user
        version.previous_active = previous
        version.save(update_fields=["is_active", "activated_at", "activated_by", "previous_active"])
        send_on_commit("ml.tasks.score_catalogue", version.pk)
    return version


def roll_back(user=None) -> ModelVersion:
    """Re-activate the version that was active before the current one."""
    current = active_version()
    if current is None or current.previous_active_id is None:
        raise ValidationError("there is no earlier model version to roll back to")
    return activate_version(current.previous_active_id, user)
