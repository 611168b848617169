"""Database ids as the API accepts them: in URLs, in bodies and in filters.

An id that is not a whole number cannot name a row, so a detail URL with one does not even
resolve (404, as for a missing row) instead of reaching `int(pk)` in a view; a number past
the 64-bit range of BigAutoField cannot name a row either, and SQLite raises OverflowError on
it, so bodies and filters refuse it with their field.
"""
import django_filters
from django import forms
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

# What routers and viewsets match as the {id} of a detail URL.
ID_PATTERN = "[0-9]+"
# The largest BigAutoField value (settings.DEFAULT_AUTO_FIELD).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class IdFilter(django_filters.Filter):
    """A filter on a row id that never looks the row up: a missing id and a hidden one both find nothing."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)
