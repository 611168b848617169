from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.roles import is_staff_member
from taxonomy.models import AttributeValue

from .models import Product, ProductLabel, Seller
from .products import create_product, update_product


def _refused(error: DjangoValidationError):
    return serializers.ValidationError(serializers.as_serializer_error(error))


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
    value = serializers.PrimaryKeyRelatedField(queryset=AttributeValue.objects.all(), help_text="An AttributeValue id.")


class ProductSerializer(serializers.ModelSerializer):
    seller = serializers.SlugRelatedField(
        slug_field="slug", queryset=Seller.objects.all(), required=False,
        help_text="Staff must name the seller when creating; a seller's products are always their own.",
    )
    category_path = serializers.ListField(source="category.path", child=serializers.CharField(), read_only=True)
    labels = ProductLabelSerializer(many=True, read_only=True)
    label_values = serializers.ListField(
        child=serializers.IntegerField(), write_only=True, required=False,
        help_text="On creation only: AttributeValue ids of the product's known labels (source: seller).",
    )

    class Meta:
        model = Product
        fields = [
            "id", "seller", "external_id", "category", "category_path", "title", "description",
            "labels", "label_values", "created_at", "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
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
        elif seller is not None and seller.pk != user.seller_id:
            raise serializers.ValidationError({"seller": "You can only create products of your own seller."})
        else:
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
    file = serializers.FileField(help_text="A products file, UTF-8: JSONL (FORMATS.md) or CSV (catalog/csvfiles.py).")
    file_format = serializers.ChoiceField(
        choices=["jsonl", "csv"], required=False, help_text="Default: from the file name (.csv is CSV, else JSONL)."
    )
    seller = serializers.SlugRelatedField(
        slug_field="slug", queryset=Seller.objects.all(), required=False,
        help_text="Staff: the seller for lines that name none. Sellers import their own products only.",
    )


class ProductImportResultSerializer(serializers.Serializer):
    lines = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    labels_added = serializers.IntegerField()
    labels_removed = serializers.IntegerField()
    sellers_created = serializers.IntegerField()


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
