"""REST API of the taxonomy: read by every signed-in user, changed by taxonomy admins."""
import json

from django.db.models import Count, ProtectedError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from config.ids import ID_PATTERN
from config.parsers import FormParser, MultiPartParser

from .exporting import taxonomy_document
from .importing import import_taxonomy
from .models import Attribute, AttributeValue, Category, CategoryAttribute
from .permissions import IsTaxonomyAdmin, IsTaxonomyAdminOrReadOnly
from .problems import FileRefused
from .relevance import relevance_index
from .serializers import (
    AttributeSerializer,
    AttributeValueSerializer,
    CategoryAttributeSerializer,
    CategorySerializer,
    FileRefusedSerializer,
    FileUploadSerializer,
    LabelSerializer,
    TaxonomyImportResultSerializer,
)


class ProtectedDeleteMixin:
    """Deleting a category that products still use answers 409 instead of failing. (A value
    goes with its labels, suggestions and decisions: catalog/models.py, ProductLabel.)"""

    def perform_destroy(self, instance):
        try:
            instance.delete()
        except ProtectedError as error:
            raise Conflict(f"{instance} is still used by {len(error.protected_objects)} rows (products).") from None


class Conflict(ValidationError):
    status_code = status.HTTP_409_CONFLICT


class CategoryViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """The category tree. Filter with `parent` (an id) or `depth` (0: top categories)."""

    serializer_class = CategorySerializer
    permission_classes = [IsTaxonomyAdminOrReadOnly]
    lookup_value_regex = ID_PATTERN
    filterset_fields = {"parent": ["exact", "isnull"], "depth": ["exact"]}
    search_fields = ["name"]
    ordering_fields = ["path_key", "name", "depth"]

    def get_queryset(self):
        # Ordered by path: the tree depth-first, each parent before its children.
        return Category.objects.annotate(child_count=Count("children")).order_by("path_key")

    @extend_schema(responses=LabelSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], url_path="relevant-labels", pagination_class=None, filterset_fields=None)
    def relevant_labels(self, request, pk=None):
        """The labels relevant to products of this category: its own pairs and its ancestors'."""
        category = self.get_object()
        index = relevance_index()
        labels = sorted(
            ({"id": v, "attribute": index.names[v][0], "value": index.names[v][1]} for v in index.value_ids(category.pk)),
            key=lambda label: (label["attribute"], label["value"]),
        )
        return Response(LabelSerializer(labels, many=True).data)


class AttributeViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    """Attributes with their canonical values and aliases."""

    serializer_class = AttributeSerializer
    permission_classes = [IsTaxonomyAdminOrReadOnly]
    lookup_value_regex = ID_PATTERN
    queryset = Attribute.objects.prefetch_related("values")
    search_fields = ["name"]
    ordering_fields = ["name"]


class AttributeValueViewSet(ProtectedDeleteMixin, viewsets.ModelViewSet):
    serializer_class = AttributeValueSerializer
    permission_classes = [IsTaxonomyAdminOrReadOnly]
    lookup_value_regex = ID_PATTERN
    queryset = AttributeValue.objects.select_related("attribute")
    filterset_fields = ["attribute"]
    search_fields = ["name", "attribute__name"]
    ordering_fields = ["name"]


class CategoryAttributeViewSet(viewsets.ModelViewSet):
    """Which pairs each category allows: a whole attribute (`all_values`) or a subset of its values."""

    serializer_class = CategoryAttributeSerializer
    permission_classes = [IsTaxonomyAdminOrReadOnly]
    lookup_value_regex = ID_PATTERN
    queryset = CategoryAttribute.objects.select_related("category", "attribute").prefetch_related("values").order_by("id")
    filterset_fields = ["category", "attribute"]


class TaxonomyImportView(APIView):
    """Import a taxonomy.json file (multipart upload, field `file`); taxonomy admins only."""

    permission_classes = [IsTaxonomyAdmin]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=FileUploadSerializer,
        responses={200: TaxonomyImportResultSerializer, 400: FileRefusedSerializer},
    )
    def post(self, request):
        upload = FileUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        file = upload.validated_data["file"]
        try:
            result = import_taxonomy(file, name=file.name)
        except FileRefused as refused:
            return Response(refused.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())


class TaxonomyExportView(APIView):
    """The whole taxonomy as taxonomy.json."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={(200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="taxonomy.json")})
    def get(self, request):
        body = json.dumps(taxonomy_document(), ensure_ascii=False, indent=1) + "\n"
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="taxonomy.json"'
        return response
