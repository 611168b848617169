"""Filters of the catalogue's lists.

Filters that take the id of something a user may not see (a product) never look it up: they
filter the visible rows, so another seller's product and a missing one both find nothing
instead of answering 200 and 400 ("select a valid choice"), which told which ids exist. The
taxonomy is public, so its ids may be looked up.
"""
import datetime

import django_filters
from django import forms
from django.db.models import Q
from django_filters.fields import IsoDateTimeField

from config.ids import IdFilter
from taxonomy.models import Category
from taxonomy.names import PATH_SEPARATOR

from .models import Product, Suggestion


class UtcIsoDateTimeField(IsoDateTimeField):
    """An ISO 8601 time, converted to UTC.

    Python accepts offsets up to ±23:59 but PostgreSQL only up to ±15:59, so `+16:00` passed
    as it is made the query fail; in UTC every valid time can be compared.
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(datetime.UTC)
        except OverflowError:
            raise forms.ValidationError("This time is out of range once converted to UTC.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField


class ProductFilter(django_filters.FilterSet):
    category = django_filters.ModelChoiceFilter(queryset=Category.objects.all(), help_text="Products of exactly this category.")
    within = IdFilter(
        method="filter_within", help_text="A category id: products of this category or any category below it."
    )
    seller = django_filters.CharFilter(field_name="seller__slug", help_text="Seller slug.")
    has_labels = django_filters.BooleanFilter(method="filter_has_labels", help_text="Whether the product carries any label.")
    label = IdFilter(field_name="labels__value", help_text="Products carrying this AttributeValue id.")
    updated_after = UtcIsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")

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


class SuggestionFilter(django_filters.FilterSet):
    product = IdFilter(field_name="product_id", help_text="A product id.")

    class Meta:
        model = Suggestion
        fields = ["product", "status", "value__attribute"]
