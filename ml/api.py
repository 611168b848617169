"""REST API for training runs and model versions (staff only)."""
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from accounts.roles import is_staff_member
from config.ids import ID_PATTERN

from . import runs, versions
from .models import ModelVersion, TrainingRun


class IsStaffMember(BasePermission):
    message = "Only staff may see and start training runs or change model versions."

    def has_permission(self, request, view):
        return is_staff_member(request.user)


class TrainingRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    # null until the run has produced a version (and for failed or cancelled runs).
    model_version = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    waiting_for_broker = serializers.SerializerMethodField(
        help_text="The broker was unreachable when the run was sent: it is kept and sent when the broker is back.")

    class Meta:
        model = TrainingRun
        fields = [
            "id", "requested_by", "created_at", "started_at", "finished_at", "parameters", "status",
            "cancel_requested", "snapshot", "stage", "epoch", "total_epochs", "step", "total_steps", "percent",
            "loss_history", "throughput", "heartbeat_at", "worker", "attempts", "error", "metrics", "comparison",
            "model_version", "waiting_for_broker",
        ]
        read_only_fields = [name for name in fields if name != "parameters"]

    def get_waiting_for_broker(self, run) -> bool:
        # One query per answer, not per run: the view puts the set in the context.
        waiting = self.context.get("runs_waiting_for_broker")
        return run.pk in (runs.runs_waiting_for_broker() if waiting is None else waiting)

    def validate_parameters(self, parameters):
        # Checked here as well as in runs.start_training_run so that the refusal names the field.
        if not isinstance(parameters, dict):
            raise serializers.ValidationError("Training parameters must be a JSON object of options (see TrainConfig).")
        try:
            runs.validate_parameters(parameters)
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.messages) from None
        return parameters


class ModelVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id", "run", "created_at", "artifact_uri", "checksum", "encoder", "label_count", "taxonomy_revision",
            "metrics", "is_active", "activated_at", "previous_active", "scoring_error", "scoring_error_at",
        ]
        read_only_fields = fields


class TrainingRunViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """Training runs: list, follow one, start one (POST its parameters), cancel one."""

    serializer_class = TrainingRunSerializer
    permission_classes = [IsStaffMember]
    lookup_value_regex = ID_PATTERN
    queryset = TrainingRun.objects.select_related("requested_by", "model_version").order_by("-created_at")
    filterset_fields = ["status"]
    ordering_fields = ["created_at", "status"]

    def get_serializer_context(self):
        context = super().get_serializer_context()
        if self.action == "list":  # one query for the page (a create must look after it has sent)
            context["runs_waiting_for_broker"] = runs.runs_waiting_for_broker()
        return context

    def perform_create(self, serializer):
        serializer.instance = runs.start_training_run(self.request.user, serializer.validated_data.get("parameters"))

    @extend_schema(request=None, responses=TrainingRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None, format=None):  # format: DefaultRouter's `.json` twin routes pass it
        run = runs.request_cancel(int(pk), request.user)
        return Response(TrainingRunSerializer(run).data)


class ModelVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Model versions: exactly one is active; activate another or roll back."""

    serializer_class = ModelVersionSerializer
    permission_classes = [IsStaffMember]
    lookup_value_regex = ID_PATTERN
    queryset = ModelVersion.objects.order_by("-created_at")
    filterset_fields = ["is_active"]

    @extend_schema(request=None, responses=ModelVersionSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None, format=None):
        version = versions.activate_version(int(pk), request.user)
        return Response(ModelVersionSerializer(version).data)

    @extend_schema(request=None, responses=ModelVersionSerializer)
    @action(detail=False, methods=["post"])
    def rollback(self, request, format=None):
        version = versions.roll_back(request.user)
        return Response(ModelVersionSerializer(version).data, status=status.HTTP_200_OK)
