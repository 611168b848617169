"""REST API of the catalogue. Sellers see and change their own products only (get_queryset);
staff see and change every product. Views call the domain functions of this app."""
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.roles import is_seller, is_staff_member
from config.ids import ID_PATTERN
from config.parsers import FormParser, MultiPartParser
from taxonomy.problems import FileRefused
from taxonomy.serializers import FileRefusedSerializer

from .access import visible_products, visible_sellers
from .exporting import product_lines
from .filters import ProductFilter
from .importing import file_format_of, import_products
from .labels import add_label, remove_label
from .models import LabelSource, ProductLabel
from .permissions import IsSellerOrStaff
from .products import delete_product
from .serializers import (
    CatalogStatsSerializer,
    LabelAddSerializer,
    ProductImportResultSerializer,
    ProductImportSerializer,
    ProductLabelSerializer,
    ProductSerializer,
    SellerSerializer,
)
from .stats import catalog_stats

EXPORT_TYPES = {"jsonl": "application/x-ndjson; charset=utf-8", "csv": "text/csv; charset=utf-8"}


class SellerViewSet(viewsets.ReadOnlyModelViewSet):
    """Sellers: staff see all, a seller sees itself."""

    serializer_class = SellerSerializer
    lookup_value_regex = ID_PATTERN
    search_fields = ["slug", "name"]

    def get_queryset(self):
        return visible_sellers(self.request.user)


class ProductViewSet(viewsets.ModelViewSet):
    """Products with their labels. Search on title and id; filter by category, seller, labels."""

    serializer_class = ProductSerializer
    permission_classes = [IsSellerOrStaff]
    lookup_value_regex = ID_PATTERN
    filterset_class = ProductFilter
    search_fields = ["title", "external_id"]
    ordering_fields = ["external_id", "title", "updated_at", "created_at"]

    def get_queryset(self):
        return visible_products(self.request.user).select_related("seller", "category").prefetch_related(
            "labels__value__attribute"
        )

    def perform_destroy(self, instance):
        delete_product(instance)

    # GET (and so HEAD) and POST are separate methods: HEAD once ran the POST branch of a
    # single method that tested for "GET", adding a label without a CSRF check.
    @extend_schema(responses=ProductLabelSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def labels(self, request, pk=None):
        """The product's labels."""
        product = self.get_object()
        labels = product.labels.select_related("value__attribute").order_by("value__attribute__name", "value__name")
        return Response(ProductLabelSerializer(labels, many=True).data)

    @extend_schema(request=LabelAddSerializer, responses={201: ProductLabelSerializer}, filters=False)
    @labels.mapping.post
    def post_label(self, request, pk=None):
        """POST {"value": id}: add a label (source: seller)."""
        product = self.get_object()
        serializer = LabelAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            label = add_label(product, serializer.validated_data["value"], source=LabelSource.SELLER, user=request.user)
        except DjangoValidationError as error:
            raise ValidationError({"value": error.messages}) from None
        label = ProductLabel.objects.select_related("value__attribute").get(pk=label.pk)
        return Response(ProductLabelSerializer(label).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("value_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="AttributeValue id")],
        responses={204: None}, filters=False,
    )
    @action(detail=True, methods=["delete"], url_path=r"labels/(?P<value_id>[0-9]+)", filterset_class=None)
    def remove_label(self, request, pk=None, value_id=None):
        """Take a label off the product."""
        product = self.get_object()
        if not remove_label(product, int(value_id)):
            return Response({"detail": "The product does not carry this label."}, status=status.HTTP_404_NOT_FOUND)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[OpenApiParameter("file_format", OpenApiTypes.STR, enum=["jsonl", "csv"], description="default: jsonl")],
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(OpenApiTypes.STR, description="products JSONL"),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="products CSV"),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request):
        """The visible products (filters apply) as JSONL (docs/formats.md) or CSV, streamed."""
        file_format = request.query_params.get("file_format", "jsonl")
        if file_format not in EXPORT_TYPES:
            raise ValidationError({"file_format": "jsonl or csv"})
        products = self.filter_queryset(visible_products(request.user))
        response = StreamingHttpResponse(product_lines(products, file_format), content_type=EXPORT_TYPES[file_format])
        response["Content-Disposition"] = f'attachment; filename="products.{file_format}"'
        return response


class ProductImportView(APIView):
    """Import a products JSONL file (multipart, field `file`): sellers their own products, staff any.

    The file is checked whole, in the transaction that writes it; a bad file answers 400 with
    every problem and its line, and nothing of it is kept.
    """

    permission_classes = [IsSellerOrStaff]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=ProductImportSerializer, responses={200: ProductImportResultSerializer, 400: FileRefusedSerializer})
    def post(self, request):
        serializer = ProductImportSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        file, seller = serializer.validated_data["file"], serializer.validated_data.get("seller")
        file_format = serializer.validated_data.get("file_format") or file_format_of(file.name)
        user = request.user
        if is_staff_member(user):
            options = {"default_seller": seller.slug if seller else None, "create_sellers": True}
        elif is_seller(user):  # the seller field finds no other seller for them
            own = user.seller.slug
            options = {"default_seller": own, "only_seller": own, "create_sellers": False}
        else:
            raise PermissionDenied("Only sellers and staff may import products.")
        try:
            result = import_products(file, name=file.name, file_format=file_format, user=user, **options)
        except FileRefused as refused:
            return Response(refused.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())


class CatalogStatsView(APIView):
    """Statistics in the form of the seed paper's Table 2, over the products the user may see."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("seller", OpenApiTypes.STR, description="only this seller's products (slug)")],
        responses=CatalogStatsSerializer,
    )
    def get(self, request):
        products = visible_products(request.user)
        seller = request.query_params.get("seller")
        if seller:
            products = products.filter(seller__slug=seller)
        return Response(CatalogStatsSerializer(catalog_stats(products).as_dict()).data)
