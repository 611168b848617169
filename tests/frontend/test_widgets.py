import re

from django import forms

from frontend.widgets import LongSelect


def _between_tags_collapsed(html: str) -> str:
    return re.sub(r">\s+<", "><", str(html)).strip()


def test_a_long_select_writes_the_markup_djangos_select_writes():
    choices = [("", "All categories"), (1, "家電 › テレビ"), (2, 'Tom & Jerry <"quoted">'), (30, "靴")]
    attrs = {"id": "id_category", "class": "wide", "data-autosubmit": True}
    for value in (None, "", 2, "30", "missing"):
        ours = LongSelect(attrs=attrs, choices=choices).render("category", value)
        djangos = forms.Select(attrs=attrs, choices=choices).render("category", value)
        assert _between_tags_collapsed(ours) == _between_tags_collapsed(djangos), value


def test_a_long_select_of_grouped_choices_keeps_the_groups():
    choices = [("Colours", [("red", "Red"), ("blue", "Blue")]), ("", "None")]
    html = LongSelect(choices=choices).render("colour", "blue")
    assert '<optgroup label="Colours">' in html
    assert _between_tags_collapsed(html) == _between_tags_collapsed(forms.Select(choices=choices).render("colour", "blue"))
