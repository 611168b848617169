"""Admin autocomplete widgets that survive a bad submitted value.

Django's autocomplete widget re-renders an invalid form by looking up the submitted values
(`pk__in=["shop-a"]`), which raises ValueError — a 500 — for a value that is no id at all. The
form already says the choice is invalid; the widget only has to leave such values out.
Every admin and inline with `autocomplete_fields` mixes in TolerantAutocompleteFields.
"""
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.core.exceptions import ValidationError


class _KeepsOnlyValidIds:
    def optgroups(self, name, value, attr=None):
        # The field the widget looks values up by, as Django's AutocompleteMixin finds it.
        opts = self.field.remote_field.model._meta
        target = opts.get_field(getattr(self.field.remote_field, "field_name", opts.pk.attname))
        return super().optgroups(name, [v for v in value if _is_valid(target, v)], attr)


def _is_valid(field, value) -> bool:
    try:
        field.to_python(value)
    except (ValidationError, TypeError, ValueError):
        return False
    return True


class TolerantAutocompleteSelect(_KeepsOnlyValidIds, AutocompleteSelect):
    pass


class TolerantAutocompleteSelectMultiple(_KeepsOnlyValidIds, AutocompleteSelectMultiple):
    pass


class TolerantAutocompleteFields:
    """Mixed into a ModelAdmin or an inline before its base class."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TolerantAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = TolerantAutocompleteSelectMultiple(db_field, self.admin_site, using=kwargs.get("using"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)
