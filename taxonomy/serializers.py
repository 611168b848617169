from rest_framework import serializers

from config.result_serializers import counts_serializer

from .importing import TaxonomyImportResult
from .limits import MAX_ALIASES_PER_VALUE, MAX_NAME_CHARS
from .models import Attribute, AttributeValue, Category, CategoryAttribute, category_path_problem
from .names import PATH_SEPARATOR, normalize_name


class NameField(serializers.CharField):
    """A taxonomy name, normalised as the models store it (taxonomy/names.py).

    The length limit is checked on the normalised name: NFKC can lengthen a name (U+FDFA
    becomes 18 characters), and the database column holds the normalised one.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_NAME_CHARS)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return normalize_name(super().to_internal_value(data))


class CategorySerializer(serializers.ModelSerializer):
    name = NameField()
    path = serializers.ListField(child=serializers.CharField(), read_only=True, help_text="Names from the top category down.")
    is_leaf = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["id", "name", "parent", "path", "depth", "is_leaf"]
        read_only_fields = ["depth"]

    def get_is_leaf(self, category) -> bool:
        children = getattr(category, "child_count", None)
        return not category.children.exists() if children is None else children == 0

    def validate(self, data):
        name = normalize_name(data.get("name", getattr(self.instance, "name", "")))
        parent = data.get("parent", getattr(self.instance, "parent", None))
        if not name:
            raise serializers.ValidationError({"name": "A category needs a name."})
        key = (parent.path_key + PATH_SEPARATOR if parent else "") + name
        clash = Category.objects.filter(path_key=key)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
            if parent and (parent.pk == self.instance.pk or parent.path_key.startswith(self.instance.path_key + PATH_SEPARATOR)):
                raise serializers.ValidationError({"parent": "A category cannot move under itself or its descendants."})
        if clash.exists():
            raise serializers.ValidationError({"name": "This parent already has a category of that name."})
        problem = category_path_problem(key, getattr(self.instance, "pk", None))
        if problem:
            raise serializers.ValidationError({"name": f"Category path too long: {problem}."})
        return data


class LabelSerializer(serializers.Serializer):
    """One label (attribute-value pair), by its AttributeValue id."""

    id = serializers.IntegerField()
    attribute = serializers.CharField()
    value = serializers.CharField()


class AttributeValueSerializer(serializers.ModelSerializer):
    name = NameField()
    aliases = serializers.ListField(child=NameField(), max_length=MAX_ALIASES_PER_VALUE, required=False)

    class Meta:
        model = AttributeValue
        fields = ["id", "attribute", "name", "aliases"]

    def validate(self, data):
        attribute = data.get("attribute", getattr(self.instance, "attribute", None))
        name = normalize_name(data.get("name", getattr(self.instance, "name", "")))
        clash = AttributeValue.objects.filter(attribute=attribute, name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"name": f"{attribute} already has the value {name!r}."})
        return data


class NestedValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributeValue
        fields = ["id", "name", "aliases"]


class AttributeSerializer(serializers.ModelSerializer):
    name = NameField()
    values = NestedValueSerializer(many=True, read_only=True)

    class Meta:
        model = Attribute
        fields = ["id", "name", "values"]

    def validate_name(self, name):
        name = normalize_name(name)
        clash = Attribute.objects.filter(name=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError("An attribute of that name exists.")
        return name


class CategoryAttributeSerializer(serializers.ModelSerializer):
    values = serializers.PrimaryKeyRelatedField(
        many=True, required=False, queryset=AttributeValue.objects.all(),
        help_text="The allowed values when all_values is false.",
    )

    class Meta:
        model = CategoryAttribute
        fields = ["id", "category", "attribute", "all_values", "values"]
        validators = []  # the unique pair is checked in validate() with a clearer message

    def validate(self, data):
        category = data.get("category", getattr(self.instance, "category", None))
        attribute = data.get("attribute", getattr(self.instance, "attribute", None))
        all_values = data.get("all_values", getattr(self.instance, "all_values", True))
        values = data.get("values")
        clash = CategoryAttribute.objects.filter(category=category, attribute=attribute)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError({"attribute": f"{category} already has {attribute} assigned."})
        if values:
            if all_values:
                raise serializers.ValidationError({"values": 'List values only when all_values is false ("*" allows all).'})
            foreign = [value.name for value in values if value.attribute_id != attribute.pk]
            if foreign:
                raise serializers.ValidationError({"values": f"Not values of {attribute}: {', '.join(foreign)}."})
        if all_values:
            data["values"] = []
        return data


class FileUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


TaxonomyImportResultSerializer = counts_serializer(TaxonomyImportResult, "TaxonomyImportResultSerializer")


class ProblemSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    field = serializers.CharField(allow_null=True)
    reason = serializers.CharField()


class FileRefusedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    problem_count = serializers.IntegerField()
    problems = ProblemSerializer(many=True)
