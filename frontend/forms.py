"""Forms of the web UI: queue filters, review actions, training options."""
from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import SuggestionStatus
from ml.runs import parameter_problems
from ml.xmc.config import USER_BOUNDS
from taxonomy.models import Attribute, Category

from .queue import QueueFilters


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
    category = forms.ModelChoiceField(label=_("Category"), required=False, queryset=Category.objects.all(), empty_label=_("All categories"))
    attribute = forms.ModelChoiceField(label=_("Attribute"), required=False, queryset=Attribute.objects.all(), empty_label=_("All attributes"))
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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda category: " › ".join(category.path)
        for name in ("min_score", "max_score"):
            self.fields[name].widget.attrs.update(step="0.05", inputmode="decimal")

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
        )


class AcceptAboveForm(forms.Form):
    min_score = forms.FloatField(label=_("Accept all with confidence at least"), min_value=0, max_value=1, initial=0.9)


def _bounded(field_class, name, label):
    """A form field for a TrainConfig option, bounded as the API is (ml.xmc.config.USER_BOUNDS)."""
    low, high = USER_BOUNDS[name]
    return field_class(label=label, min_value=low, max_value=high, required=False)


class StartRunForm(forms.Form):
    """The options staff choose most often; everything else keeps the pipeline's defaults.

    The bounds are those of the API (one definition, ml/xmc/config.py), and clean() applies
    the same rules the API does (ml.runs.parameter_problems): device, encoder folder.
    """

    epochs = _bounded(forms.IntegerField, "epochs", _("Epochs"))
    lr = _bounded(forms.FloatField, "lr", _("Learning rate (encoder)"))
    batch_size = _bounded(forms.IntegerField, "batch_size", _("Batch size"))
    max_length = _bounded(forms.IntegerField, "max_length", _("Maximum length (tokens)"))
    encoder = forms.CharField(label=_("Encoder"), max_length=255, required=False)

    def clean(self):
        cleaned = super().clean()
        for name, problem in parameter_problems(self.parameters(), from_user=True).items():
            self.add_error(name if name in self.fields else None, problem)
        return cleaned

    def parameters(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
