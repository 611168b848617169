"""Forms of the web UI: queue filters, review actions, training options."""
from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import SuggestionStatus
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


class StartRunForm(forms.Form):
    """The options staff choose most often; everything else keeps the pipeline's defaults."""

    epochs = forms.IntegerField(label=_("Epochs"), min_value=1, max_value=100, required=False)
    lr = forms.FloatField(label=_("Learning rate (encoder)"), min_value=1e-7, max_value=1.0, required=False)
    batch_size = forms.IntegerField(label=_("Batch size"), min_value=1, max_value=1024, required=False)
    max_length = forms.IntegerField(label=_("Maximum length (tokens)"), min_value=8, max_value=512, required=False)
    encoder = forms.CharField(label=_("Encoder"), max_length=255, required=False)

    def parameters(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if value not in (None, "")}
