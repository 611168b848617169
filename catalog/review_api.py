"""REST API of reviewing: the same actions as the review pages, for scripts and other UIs.

    GET  /api/review/suggestions/?product=&status=&attribute=   suggestions the user may see
    POST /api/review/suggestions/{id}/accept/ | reject/ | correct/ {"value": id} or {"value_name": "..."}
    POST /api/review/products/{id}/accept-above/ {"min_score": 0.3} or {"target_precision": 0.95}
    POST /api/review/products/{id}/reject-rest/ {"attribute": id}
    POST /api/review/products/{id}/undo/

Sellers act on their own products only (others' answer 404); every action is one call to
catalog/review.py. A refused action (already decided, value not allowed) answers 400.
"""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from config.ids import ID_PATTERN, IdField
from taxonomy.limits import MAX_NAME_CHARS

from . import review
from .filters import SuggestionFilter
from .models import Decision, Suggestion
from .permissions import IsSellerOrStaff


class SuggestionSerializer(serializers.ModelSerializer):
    attribute = serializers.CharField(source="value.attribute.name", read_only=True)
    value_name = serializers.CharField(source="value.name", read_only=True)

    class Meta:
        model = Suggestion
        fields = ["id", "product", "value", "attribute", "value_name", "model_version", "score", "status", "created_at"]
        read_only_fields = fields


class DecisionSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.get_username", read_only=True, default=None)

    class Meta:
        model = Decision
        fields = ["id", "suggestion", "action", "corrected_value", "user", "created_at", "model_version", "score",
                  "undone_at"]
        read_only_fields = fields


class CorrectSerializer(serializers.Serializer):
    value = IdField(required=False, help_text="Another value of the same attribute that the category allows.")
    value_name = serializers.CharField(required=False, max_length=MAX_NAME_CHARS,
                                       help_text="That value's name or one of its aliases (instead of its id).")

    def validate(self, data):
        if ("value" in data) == ("value_name" in data):
            raise serializers.ValidationError("give either value (an id) or value_name")
        return data


class AcceptAboveSerializer(serializers.Serializer):
    min_score = serializers.FloatField(min_value=0.0, max_value=1.0, required=False)
    target_precision = serializers.FloatField(
        min_value=0.5, max_value=1.0, required=False,
        help_text="Accept from the lowest score whose suggestions were this precise on the active version's "
                  "validation slice (instead of min_score).",
    )

    def validate(self, data):
        if ("min_score" in data) == ("target_precision" in data):
            raise serializers.ValidationError("give either min_score or target_precision")
        if "target_precision" in data:
            try:
                data["min_score"] = review.score_for_precision(data["target_precision"])
            except DjangoValidationError as error:
                raise serializers.ValidationError({"target_precision": error.messages}) from None
        return data


class RejectRestSerializer(serializers.Serializer):
    attribute = IdField()


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class SuggestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = SuggestionSerializer
    permission_classes = [IsSellerOrStaff]
    lookup_value_regex = ID_PATTERN
    filterset_class = SuggestionFilter
    ordering_fields = ["score", "created_at"]

    def get_queryset(self):
        return review.visible_suggestions(self.request.user).select_related("value__attribute").order_by("id")

    @extend_schema(request=None, responses=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return Response(DecisionSerializer(review.accept(request.user, int(pk))).data)

    @extend_schema(request=None, responses=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return Response(DecisionSerializer(review.reject(request.user, int(pk))).data)

    @extend_schema(request=CorrectSerializer, responses=DecisionSerializer)
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        data = _valid(CorrectSerializer, request)
        decision = review.correct(request.user, int(pk), data.get("value"), value_name=data.get("value_name"))
        return Response(DecisionSerializer(decision).data)


class AcceptAboveView(APIView):
    permission_classes = [IsSellerOrStaff]

    @extend_schema(request=AcceptAboveSerializer, responses=DecisionSerializer(many=True))
    def post(self, request, pk):
        min_score = _valid(AcceptAboveSerializer, request)["min_score"]
        decisions = review.accept_above(request.user, pk, min_score)
        return Response(DecisionSerializer(decisions, many=True).data)


class RejectRestView(APIView):
    permission_classes = [IsSellerOrStaff]

    @extend_schema(request=RejectRestSerializer, responses=DecisionSerializer(many=True))
    def post(self, request, pk):
        attribute_id = _valid(RejectRestSerializer, request)["attribute"]
        decisions = review.reject_rest(request.user, pk, attribute_id)
        return Response(DecisionSerializer(decisions, many=True).data)


class UndoView(APIView):
    permission_classes = [IsSellerOrStaff]

    @extend_schema(request=None, responses={200: SuggestionSerializer(many=True), 204: None})
    def post(self, request, pk):
        """Undo the user's newest action on the product (a bulk action as a whole)."""
        if not review.visible_products(request.user).filter(pk=pk).exists():
            raise NotFound
        restored = review.undo_last(request.user, pk)
        if not restored:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(SuggestionSerializer(restored, many=True).data)


router = SimpleRouter()
router.register("review/suggestions", SuggestionViewSet, basename="review-suggestion")

urlpatterns = [
    path("review/products/<int:pk>/accept-above/", AcceptAboveView.as_view(), name="review-accept-above"),
    path("review/products/<int:pk>/reject-rest/", RejectRestView.as_view(), name="review-reject-rest"),
    path("review/products/<int:pk>/undo/", UndoView.as_view(), name="review-undo"),
    *router.urls,
]
