"""Form widgets of the web UI."""
from django import forms
from django.utils.html import format_html, format_html_join


class LongSelect(forms.Select):
    """A <select> of many options, written in Python with the markup Django's templates write.

    Django builds a context for each <option> and renders it through two template includes.
    The queue's filters list up to 300 categories and 200 attributes on every queue page, and
    that was most of the page's time outside SQL (docs/benchmarks.md, "Scale"). Grouped
    choices and multiple selection are left to Django's way.
    """

    def render(self, name, value, attrs=None, renderer=None):
        choices = list(self.choices)
        if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = set(self.format_value(value))
        options, selected_one = [], False
        for option_value, label in choices:
            option_value = "" if option_value is None else str(option_value)
            # As Django's Select: only the first option with the value is selected.
            selected = not selected_one and option_value in wanted
            selected_one |= selected
            options.append((option_value, " selected" if selected else "", label))
        return format_html('<select name="{}"{}>\n{}\n</select>', name, _attributes(self.build_attrs(self.attrs, attrs)),
                           format_html_join("\n", '<option value="{}"{}>{}</option>', options))


def _attributes(attrs: dict) -> str:
    """` name="value"` for each attribute, in order, as Django's attrs.html writes them: True
    gives the bare name, False leaves the attribute out. (flatatt sorts them.)"""
    return format_html_join(
        "", "{}", ((format_html(" {}", name) if value is True else format_html(' {}="{}"', name, value),)
                   for name, value in attrs.items() if value is not False))
