"""Template helpers of the web UI."""
from django import template
from django.conf import settings
from django.utils.html import format_html_join

from accounts.roles import is_staff_member, is_taxonomy_admin

from .. import labels

register = template.Library()


@register.simple_tag
def demo_mode():
    return settings.ZOKUSEI_DEMO


@register.filter
def staff_member(user):
    return is_staff_member(user)


@register.filter
def taxonomy_admin(user):
    return is_taxonomy_admin(user)


@register.filter
def category_path(category):
    return " › ".join(category.path) if category is not None else ""


@register.filter
def percent(value):
    """0.873 → 87 (for bar widths)."""
    try:
        return max(0, min(100, round(float(value) * 100)))
    except (TypeError, ValueError):
        return 0


@register.filter
def suggestion_status(value):
    return labels.SUGGESTION_STATUS.get(value, value)


@register.filter
def run_status(value):
    return labels.RUN_STATUS.get(value, value)


@register.filter
def run_stage(value):
    return labels.RUN_STAGE.get(value, value)


@register.filter
def run_error(value):
    return labels.run_error(value)


@register.filter
def label_source(value):
    return labels.LABEL_SOURCE.get(value, value)


@register.filter
def decision_action(value):
    return labels.DECISION_ACTION.get(value, value)


@register.filter
def figure_name(key):
    """A stored figure's key (micro_f1, p@1) as the evaluation tables name it."""
    from ..figures import MEASURES

    return MEASURES.get(key, key)


@register.filter
def percent_figure(value):
    """A share (0.423) as the evaluation tables show it (42.3)."""
    from ..figures import format_figure

    return format_figure("micro_f1", value) if value is not None else "—"


# The correction lists: built here rather than by template loops, because a product page
# prints them for every pending suggestion and their per-option lookups were most of the
# page's rendering time (docs/benchmarks.md, "Scale", "Sixth pass").
@register.simple_tag
def value_options(values):
    """`<option>`s of a correction's `<select>`: a value's id, shown as "name (alias, …)"."""
    return format_html_join(
        "", '<option value="{}">{}{}</option>',
        ((value.pk, value.name, f" ({', '.join(value.aliases)})" if value.aliases else "") for value in values),
    )


@register.simple_tag
def value_search_options(values):
    """`<option>`s of a correction's search list: each value with its aliases as text, then
    each alias with its value as text, so that typing either finds the value."""
    return format_html_join(
        "", '<option value="{}">{}</option>',
        (
            option
            for value in values
            for option in [(value.name, ", ".join(value.aliases)), *((alias, value.name) for alias in value.aliases)]
        ),
    )
