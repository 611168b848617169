"""Forms of the web UI: queue filters, review actions, training options."""
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.roles import is_staff_member
from catalog import review
from catalog.models import Seller, SuggestionStatus
from ml.runs import parameter_problems
from ml.xmc.config import USER_BOUNDS
from taxonomy.models import Attribute, Category
from taxonomy.names import PATH_SEPARATOR

from .queue import QueueFilters
from .widgets import LongSelect


class QueueFilterForm(forms.Form):
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[
            ("uncertain", _("Least certain first")),
            ("confident", _("Highest confidence first")),
            ("newest", _("Newest first")),
        ],
    )
    q = forms.CharField(label=_("Title contains"), required=False, max_length=200)
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=Category.objects.all(),
                                      empty_label=_("All categories"), widget=LongSelect)
    attribute = forms.ModelChoiceField(label=_("Attribute"), required=False, queryset=Attribute.objects.all(),
                                       empty_label=_("All attributes"), widget=LongSelect)
    min_score = forms.FloatField(label=_("Confidence from"), required=False, min_value=0, max_value=1)
    max_score = forms.FloatField(label=_("Confidence to"), required=False, min_value=0, max_value=1)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            (SuggestionStatus.PENDING, _("To review")),
            (SuggestionStatus.ACCEPTED, _("Accepted")),
            (SuggestionStatus.REJECTED, _("Rejected")),
            (SuggestionStatus.CORRECTED, _("Corrected")),
        ],
    )

    seller = forms.ModelChoiceField(label=_("Seller"), required=False, queryset=Seller.objects.all(),
                                    empty_label=_("All sellers"), widget=LongSelect)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda category: " › ".join(category.path)
        for name in ("min_score", "max_score"):
            self.fields[name].widget.attrs.update(step="0.05", inputmode="decimal")
        # Only staff choose a seller: a seller's form has no such field (a seller= from a
        # seller is ignored, and the list of sellers is never shown to one).
        if user is not None and not is_staff_member(user):
            del self.fields["seller"]

    def filters(self) -> QueueFilters:
        """The filters the user asked for; a field with a bad value is left out, not fatal."""
        self.is_valid()
        data = {name: value for name, value in self.cleaned_data.items() if name not in self.errors}
        attribute = data.get("attribute")
        return QueueFilters(
            sort=data.get("sort") or "uncertain",
            category=data.get("category"),
            attribute_id=attribute.pk if attribute else None,
            min_score=data.get("min_score"),
            max_score=data.get("max_score"),
            status=data.get("status") or SuggestionStatus.PENDING,
            search=data.get("q") or "",
            seller_id=data["seller"].pk if data.get("seller") else None,
        )


# A marketplace's taxonomy has thousands of categories and attributes (the paper's: 7,333 and
# 1,300); listing them all made the queue page a megabyte and most of its time
# (docs/benchmarks.md, "Scale"). Up to these many, every one is listed; beyond, the category
# list is a drill-down (the top level, then the chosen category's ancestors and children:
# choose again to go deeper) and the attribute list holds those allowed in the chosen
# category's subtree, or none until a category is chosen.
CATEGORY_CHOICES_LIMIT = 300
ATTRIBUTE_CHOICES_LIMIT = 200


def category_choices(chosen) -> list[tuple]:
    """The queue filter's category options (value, label), "All categories" first."""
    categories = Category.objects.only("id", "path_key")
    if categories.count() > CATEGORY_CHOICES_LIMIT:
        shown = Q(depth=0)
        if chosen is not None:
            shown |= Q(path_key__in=chosen.lineage_keys) | Q(parent_id=chosen.pk)
        categories = categories.filter(shown)
    # Sorted bytewise, as the admin's tree: a linguistic collation would interleave subtrees.
    listed = sorted(categories, key=lambda category: category.path_key)
    return [("", _("All categories"))] + [(category.pk, " › ".join(category.path)) for category in listed]


def attribute_choices(category, chosen_id) -> tuple[list[tuple], bool]:
    """The attribute options (value, label), "All attributes" first, and whether some were
    left out until a (narrower) category is chosen. The chosen attribute is always listed."""
    attributes = Attribute.objects.all()
    if category is not None:
        in_scope = Q(assignments__category__path_key__in=category.lineage_keys) | Q(
            assignments__category__path_key__startswith=category.path_key + PATH_SEPARATOR
        )
        attributes = attributes.filter(in_scope).distinct()
    listed = list(attributes.order_by("name", "id").values_list("pk", "name")[: ATTRIBUTE_CHOICES_LIMIT + 1])
    left_out = len(listed) > ATTRIBUTE_CHOICES_LIMIT
    if left_out:
        listed = []
    if chosen_id and chosen_id not in {pk for pk, _name in listed}:
        listed += list(Attribute.objects.filter(pk=chosen_id).values_list("pk", "name"))
    return [("", _("All attributes"))] + listed, left_out


def limit_taxonomy_choices(filter_form, filters, *forms_with_attribute) -> None:
    """Give the queue's forms their bounded category and attribute lists (for display; what
    they accept is unchanged)."""
    filter_form.fields["category"].widget.choices = category_choices(filters.category)
    choices, left_out = attribute_choices(filters.category, filters.attribute_id)
    for form in (filter_form, *forms_with_attribute):
        form.fields["attribute"].widget.choices = choices
        if left_out:
            form.fields["attribute"].help_text = _("Choose a category to list its attributes.")


class AcceptAboveForm(forms.Form):
    """Accept by a target precision (the default) or by a minimum confidence.

    The thresholds that decide suggestions are 0.1-0.3, so a fixed 0.9 took a sliver of them;
    a target precision is turned into the lowest score whose suggestions were that precise on
    the active version's validation slice (catalog.review.score_for_precision). A minimum
    confidence, when given, is used as it is. `cleaned_data["score"]` is the score it became.
    """

    target_precision = forms.FloatField(
        label=_("Accept where estimated precision is at least"), min_value=0.5, max_value=1, initial=0.95,
        required=False,
    )
    min_score = forms.FloatField(label=_("or confidence at least"), min_value=0, max_value=1, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_precision"].widget.attrs.update(step="0.01", inputmode="decimal")
        self.fields["min_score"].widget.attrs.update(step="0.01", inputmode="decimal")
        # One plain sentence for any bad number, rather than the field's technical ones.
        for name, message in (("min_score", _("The confidence must be a number between 0 and 1.")),
                              ("target_precision", _("The target precision must be a number between 0.5 and 1."))):
            self.fields[name].error_messages.update(invalid=message, min_value=message, max_value=message)

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if cleaned.get("min_score") is not None:
            cleaned["score"] = cleaned["min_score"]
            return cleaned
        target = cleaned.get("target_precision")
        if target is None:
            target = cleaned["target_precision"] = self.fields["target_precision"].initial
        try:
            cleaned["score"] = review.score_for_precision(target)
        except ValidationError as error:
            self.add_error(None, error)
        return cleaned


class AcceptAcrossForm(AcceptAboveForm):
    """The queue's "accept ≥ X for attribute A across this filter"; `confirm` is set once the
    seller has seen how many suggestions it accepts."""

    attribute = forms.ModelChoiceField(label=_("for attribute"), required=False, queryset=Attribute.objects.all(),
                                       empty_label=_("All attributes"), widget=LongSelect)
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)


def _bounded(field_class, name, label):
    """A form field for a TrainConfig option, bounded as the API is (ml.xmc.config.USER_BOUNDS)."""
    low, high = USER_BOUNDS[name]
    return field_class(label=label, min_value=low, max_value=high, required=False)


class StartRunForm(forms.Form):
    """The options staff choose most often, starting from those of the active version's run;
    every other option of that run is kept as it was (`base`), so that a run started with
    nothing changed trains as the active version was trained.

    The bounds are those of the API (one definition, ml/xmc/config.py), and clean() applies
    the same rules the API does (ml.runs.parameter_problems): device, encoder folder, and that
    the encoder can be loaded.
    """

    epochs = _bounded(forms.IntegerField, "epochs", _("Epochs"))
    lr = _bounded(forms.FloatField, "lr", _("Learning rate (encoder)"))
    batch_size = _bounded(forms.IntegerField, "batch_size", _("Batch size"))
    max_length = _bounded(forms.IntegerField, "max_length", _("Maximum length (tokens)"))
    encoder = forms.CharField(label=_("Encoder"), max_length=255, required=False)
    warm_start = forms.BooleanField(
        label=_("Warm start"), required=False,
        help_text=_("Start from the active version's weights and train on what changed since its data, "
                    "plus a replay sample of the rest: faster than a full run."),
    )

    def __init__(self, *args, base: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.base = dict(base or {})
        for name, field in self.fields.items():
            if name in self.base:
                field.initial = self.base[name]

    @property
    def inherited(self) -> list[tuple[str, object]]:
        """The base's options the form does not show, kept as they are."""
        return sorted((name, value) for name, value in self.base.items() if name not in self.fields)

    def clean(self):
        cleaned = super().clean()
        for name, problem in parameter_problems(self.parameters(), from_user=True).items():
            self.add_error(name if name in self.fields else None, problem)
        return cleaned

    def parameters(self) -> dict:
        """The base's options with the form's values over them; an emptied field keeps the base's."""
        given = {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
        # An unticked box sends nothing: off, as it was unless the base had it on.
        given = {name: value for name, value in given.items() if value is not False or self.base.get(name)}
        return {**self.base, **given}
