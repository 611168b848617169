"""Django side of the model: training snapshots, training runs and model versions.

The network itself lives in ml/xmc (no Django there); these rows record what was trained on
what, how it went, and which version is active.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class TrainingSnapshot(models.Model):
    """A frozen copy of the training data (files under `path`), so a run can be reproduced.

    The folder holds `taxonomy.json`, `train.jsonl` and `heldout.jsonl` in the formats of
    docs/formats.md; `checksum` covers the three files.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    path = models.CharField(max_length=1000)
    checksum = models.CharField(max_length=64)
    taxonomy_revision = models.PositiveBigIntegerField()
    seed = models.PositiveIntegerField(default=0)
    product_count = models.PositiveIntegerField(default=0)
    train_count = models.PositiveIntegerField(default=0)
    heldout_count = models.PositiveIntegerField(default=0)
    positive_count = models.PositiveIntegerField(default=0)
    negative_count = models.PositiveIntegerField(default=0, help_text="Rejected suggestions used as explicit negatives.")
    last_decision_id = models.PositiveBigIntegerField(default=0, help_text="Newest decision included.")
    pruned_at = models.DateTimeField(null=True, blank=True, help_text="When retention removed the folder (ml/retention.py).")

    class Meta:
        verbose_name = _("training snapshot")
        verbose_name_plural = _("training snapshots")

    def __str__(self):
        return f"snapshot {self.pk} ({self.product_count} products)"


class RunStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class TrainingRun(models.Model):
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    parameters = models.JSONField(default=dict, blank=True, help_text="Training options (ml.xmc TrainConfig fields).")
    status = models.CharField(max_length=20, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="When the run's task was last sent to the training queue.")
    # Each claim by a worker increments it; a worker only writes the run while the number is
    # still its own, so a worker that lost the run (ml/runs.py, claim_run) cannot finish it.
    attempts = models.PositiveIntegerField(default=0, help_text="How many times a worker started the run.")
    cancel_requested = models.BooleanField(default=False)
    snapshot = models.ForeignKey(TrainingSnapshot, null=True, blank=True, on_delete=models.PROTECT, related_name="runs")
    # Progress, written by the worker as it goes.
    stage = models.CharField(max_length=40, blank=True, default="")
    epoch = models.PositiveIntegerField(default=0)
    total_epochs = models.PositiveIntegerField(default=0)
    step = models.PositiveIntegerField(default=0)
    total_steps = models.PositiveIntegerField(default=0)
    percent = models.FloatField(default=0.0)
    loss_history = models.JSONField(default=list, blank=True, help_text="[[step, loss], ...]")
    throughput = models.FloatField(default=0.0, help_text="Training sequences per second.")
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=255, blank=True, default="")
    error = models.TextField(blank=True, default="")
    metrics = models.JSONField(default=dict, blank=True, help_text="Held-out figures of the paper's Tables 4-5.")
    comparison = models.JSONField(default=dict, blank=True, help_text="Figures of the active version on the same held-out data.")

    class Meta:
        verbose_name = _("training run")
        verbose_name_plural = _("training runs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"training run {self.pk} ({self.status})"

    @property
    def is_finished(self):
        return self.status in FINISHED_STATUSES


class ModelVersion(models.Model):
    run = models.OneToOneField(TrainingRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="model_version")
    created_at = models.DateTimeField(auto_now_add=True)
    artifact_uri = models.CharField(max_length=1000, help_text="Folder of the ml.xmc artifact.")
    checksum = models.CharField(max_length=64, help_text="SHA-256 over the artifact's files.")
    artifact_pruned_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention removed the artifact folder (ml/retention.py)."
    )
    encoder = models.CharField(max_length=255, blank=True, default="")
    label_count = models.PositiveIntegerField(default=0)
    taxonomy_revision = models.PositiveBigIntegerField(default=0)
    metrics = models.JSONField(default=dict, blank=True)
    is_active = models.BooleanField(default=False)
    scoring_error = models.TextField(
        blank=True, default="", help_text="Why the last scoring of products with this version failed (empty when it worked)."
    )
    scoring_error_at = models.DateTimeField(null=True, blank=True)
    activated_at = models.DateTimeField(null=True, blank=True)
    activated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    previous_active = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="The version that was active before this one was activated (for roll-back).",
    )

    class Meta:
        verbose_name = _("model version")
        verbose_name_plural = _("model versions")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="one_active_model_version")
        ]

    def __str__(self):
        return f"model version {self.pk}" + (" (active)" if self.is_active else "")


class ScoringChunk(models.Model):
    """One chunk of an activation's catalogue scoring (ml/scoring.py): what the versions page
    counts to show re-scoring progress. Keyed by its first product, so a chunk sent or scored
    twice (a redelivered task) is still one chunk, done once."""

    version = models.ForeignKey(ModelVersion, on_delete=models.CASCADE, related_name="scoring_chunks")
    first_product_id = models.PositiveBigIntegerField()
    size = models.PositiveIntegerField()
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("scoring chunk")
        verbose_name_plural = _("scoring chunks")
        constraints = [models.UniqueConstraint(fields=["version", "first_product_id"], name="one_chunk_per_first_product")]


class ScoredCategory(models.Model):
    """What a category's relevant labels were when its products were last scored (ml/scoring.py,
    `rescore_changed_categories`): a digest of its (attribute, value) names. A taxonomy edit
    that changes the digest re-scores the category's products, so that an added value is
    suggested at once (the label-text head scores it without retraining)."""

    category = models.OneToOneField("taxonomy.Category", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("scored category")
        verbose_name_plural = _("scored categories")


class UnsentTask(models.Model):
    """A Celery message the broker did not take (it was unreachable): sent again by beat.

    See ml/outbox.py. Rows are deleted once the broker has the message.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    attempts = models.PositiveIntegerField(default=1, help_text="Times sending it failed.")
    last_error = models.TextField(blank=True, default="")

    class Meta:
        verbose_name = _("unsent task")
        verbose_name_plural = _("unsent tasks")
        ordering = ["pk"]

    def __str__(self):
        return f"unsent {self.task}{tuple(self.args)}"
