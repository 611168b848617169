"""API serializers made from the domain's result dataclasses, so that their fields are listed once.

An import answers its result dataclass (catalog.importing.ProductImportResult,
taxonomy.importing.TaxonomyImportResult): counts only. The serializer (and so the OpenAPI
schema) is built from the dataclass's fields instead of a second hand-typed list.
"""
import dataclasses

from rest_framework import serializers


def counts_serializer(result_class, name: str) -> type[serializers.Serializer]:
    """A serializer with one integer field per field of `result_class` (a dataclass of counts)."""
    fields = {}
    for field in dataclasses.fields(result_class):
        if field.type not in (int, "int"):
            raise TypeError(f"{result_class.__name__}.{field.name} is not a count (int)")
        fields[field.name] = serializers.IntegerField()
    return type(name, (serializers.Serializer,), {**fields, "__module__": result_class.__module__,
                                                  "__doc__": f"The counts of {result_class.__name__}."})
