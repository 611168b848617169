import django_filters
from django.db.models import Q

from taxonomy.models import Category
from taxonomy.names import PATH_SEPARATOR

from .models import Product


class ProductFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), help_text="Products of exactly this category.")
    within = django_filters.NumberFilter(
        method="filter_within", help_text="A category id: products of this category or any category below it."
    )
    seller = django_filters.CharFilter(field_name="seller__slug", help_text="Seller slug.")
    has_labels = django_filters.BooleanFilter(method="filter_has_labels", help_text="Whether the product carries any label.")
    label = django_filters.NumberFilter(field_name="labels__value", help_text="Products carrying this AttributeValue id.")
    updated_after = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

    class Meta:
        model = Product
        fields = ["category", "within", "seller", "external_id", "has_labels", "label", "updated_after"]

    def filter_within(self, queryset, name, value):
        category = Category.objects.filter(pk=value).first()
        if category is None:
            return queryset.none()
        return queryset.filter(Q(category=category) | Q(category__path_key__startswith=category.path_key + PATH_SEPARATOR))

    def filter_has_labels(self, queryset, name, value):
        return queryset.filter(labels__isnull=not value).distinct()
