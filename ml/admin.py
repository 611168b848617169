from django.contrib import admin

from .models import ModelVersion, TrainingRun, TrainingSnapshot, UnsentTask


class RecordAdmin(admin.ModelAdmin):
    """Rows the pipeline writes (runs, versions, snapshots, unsent tasks): shown, never added
    by hand; an add form of read-only fields would save an empty, meaningless row."""

    def has_add_permission(self, request):
        return False


@admin.register(TrainingRun)
class TrainingRunAdmin(RecordAdmin):
    list_display = ("id", "status", "stage", "percent", "attempts", "requested_by", "created_at", "finished_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in TrainingRun._meta.fields]


@admin.register(ModelVersion)
class ModelVersionAdmin(RecordAdmin):
    list_display = ("id", "is_active", "encoder", "label_count", "created_at", "activated_at", "scoring_error")
    readonly_fields = [f.name for f in ModelVersion._meta.fields]


@admin.register(TrainingSnapshot)
class TrainingSnapshotAdmin(RecordAdmin):
    list_display = ("id", "created_at", "product_count", "train_count", "heldout_count", "negative_count")
    readonly_fields = [f.name for f in TrainingSnapshot._meta.fields]


@admin.register(UnsentTask)
class UnsentTaskAdmin(RecordAdmin):
    """Messages the broker refused (it was down); beat sends them again (ml/outbox.py)."""

    list_display = ("id", "task", "args", "attempts", "created_at", "last_error")
    readonly_fields = [f.name for f in UnsentTask._meta.fields]
