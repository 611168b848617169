from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.roles import is_staff_member
from config.ids import IdField
from config.result_serializers import counts_serializer
from taxonomy.models import AttributeValue

from .access import visible_sellers
from .importing import ProductImportResult
from .limits import MAX_DESCRIPTION_CHARS, MAX_EXTERNAL_ID_CHARS, MAX_LABELS_PER_PRODUCT, MAX_TITLE_CHARS
from .models import Product, ProductLabel, Seller
from .products import create_product, update_product


def _refused(error: DjangoValidationError):
    return serializers.ValidationError(serializers.as_serializer_error(error))


@extend_schema_field(OpenApiTypes.STR)
class VisibleSellerField(serializers.SlugRelatedField):
    """A seller slug, looked up among the sellers the user may see (catalog/access.py).

    To a seller, another seller's slug and a slug nobody has get the same answer, so that
    writing a product does not tell which sellers exist; staff may name any seller.
    """

    default_error_messages = {"does_not_exist": 'No seller has the slug "{value}".'}

    def __init__(self, *, not_yours: str, **kwargs):
        self.not_yours = not_yours
        super().__init__(slug_field="slug", **kwargs)

    def get_queryset(self):
        return visible_sellers(self.context["request"].user)

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            if is_staff_member(self.context["request"].user):
                raise
            raise serializers.ValidationError(self.not_yours) from None


class SellerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Seller
        fields = ["id", "slug", "name"]


class ProductLabelSerializer(serializers.ModelSerializer):
    attribute = serializers.CharField(source="value.attribute.name", read_only=True)
    value_name = serializers.CharField(source="value.name", read_only=True)

    class Meta:
        model = ProductLabel
        fields = ["id", "value", "attribute", "value_name", "source", "created_at"]
        read_only_fields = fields


class LabelAddSerializer(serializers.Serializer):
    # The taxonomy is public: telling a missing value from an existing one reveals nothing.
    value = serializers.PrimaryKeyRelatedField(queryset=AttributeValue.objects.all(), help_text="An AttributeValue id.")


class ProductSerializer(serializers.ModelSerializer):
    seller = VisibleSellerField(
        required=False, not_yours="You can only write products of your own seller.",
        help_text="Staff must name the seller when creating; a seller's products are always their own.",
    )
    category_path = serializers.ListField(source="category.path", child=serializers.CharField(), read_only=True)
    labels = ProductLabelSerializer(many=True, read_only=True)
    label_values = serializers.ListField(
        child=IdField(), max_length=MAX_LABELS_PER_PRODUCT, write_only=True, required=False,
        help_text="On creation only: AttributeValue ids of the product's known labels (source: seller).",
    )

    class Meta:
        model = Product
        fields = [
            "id", "seller", "external_id", "category", "category_path", "title", "description",
            "labels", "label_values", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "external_id": {"max_length": MAX_EXTERNAL_ID_CHARS},
            "title": {"max_length": MAX_TITLE_CHARS},
            "description": {"max_length": MAX_DESCRIPTION_CHARS},
        }
        validators = []  # (seller, external_id) uniqueness is checked by the domain functions

    def validate(self, data):
        user = self.context["request"].user
        seller = data.get("seller")
        if self.instance is not None:
            if seller is not None and seller != self.instance.seller:
                raise serializers.ValidationError({"seller": "A product cannot move to another seller."})
        elif is_staff_member(user):
            if seller is None:
                raise serializers.ValidationError({"seller": "Staff must say which seller the product belongs to."})
        else:  # a seller: the seller field finds no other seller for them
            data["seller"] = user.seller
        return data

    def create(self, validated_data):
        try:
            return create_product(
                seller=validated_data["seller"],
                external_id=validated_data["external_id"],
                category=validated_data["category"],
                title=validated_data["title"],
                description=validated_data.get("description", ""),
                labels=validated_data.get("label_values", ()),
                user=self.context["request"].user,
            )
        except DjangoValidationError as error:
            raise _refused(error) from None

    def update(self, instance, validated_data):
        changes = {key: value for key, value in validated_data.items() if key in ("external_id", "category", "title", "description")}
        try:
            return update_product(instance, **changes)
        except DjangoValidationError as error:
            raise _refused(error) from None


class ProductImportSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A products file, UTF-8: JSONL (docs/formats.md) or CSV (catalog/csvfiles.py).")
    file_format = serializers.ChoiceField(
        choices=["jsonl", "csv"], required=False, help_text="Default: from the file name (.csv is CSV, else JSONL)."
    )
    seller = VisibleSellerField(
        required=False, not_yours="You can only import products of your own seller.",
        help_text="Staff: the seller for lines that name none. Sellers import their own products only.",
    )


ProductImportResultSerializer = counts_serializer(ProductImportResult, "ProductImportResultSerializer")


class CatalogStatsSerializer(serializers.Serializer):
    products = serializers.IntegerField()
    top_categories = serializers.IntegerField()
    leaf_categories = serializers.IntegerField()
    attributes = serializers.IntegerField()
    labels = serializers.IntegerField()
    avg_tokens_per_title = serializers.FloatField()
    avg_tokens_per_description = serializers.FloatField()
    avg_positive_labels = serializers.FloatField()
    avg_relevant_labels = serializers.FloatField()
    avg_irrelevant_labels = serializers.FloatField()
