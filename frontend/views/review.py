"""The seller's pages: the review queue and the review of one product.

Actions are plain form posts (they work without JavaScript); each redirects back to the
product page with the next pending suggestion focused, so keyboard review goes on where it
stopped.
"""
from collections import OrderedDict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import is_staff_member
from catalog import review
from catalog.limits import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
from catalog.models import ProductLabel, Suggestion, SuggestionStatus

from ..forms import AcceptAboveForm, QueueFilterForm
from ..highlight import highlight
from ..queue import next_product_id, queue_page


@login_required
def home(request):
    return redirect("frontend:queue")


@login_required
@require_GET
def queue(request):
    form = QueueFilterForm(request.GET)
    filters = form.filters()
    try:
        number = int(request.GET.get("page", 1))
    except ValueError:
        number = 1
    page = queue_page(request.user, filters, number)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "frontend/queue.html",
        {
            "form": form,
            "page": page,
            "query": params.urlencode(),
            "show_seller": is_staff_member(request.user),
        },
    )


def _product_or_404(request, pk):
    return get_object_or_404(review.visible_products(request.user).select_related("category", "seller"), pk=pk)


@login_required
@require_GET
def product(request, pk):
    product = _product_or_404(request, pk)
    suggestions = list(
        Suggestion.objects.filter(product=product)
        .select_related("value__attribute", "model_version")
        .order_by("value__attribute__name", "-score", "id")
    )
    groups = _grouped(product, suggestions)
    terms = {}
    for suggestion in suggestions:
        if suggestion.status == SuggestionStatus.PENDING:
            for surface in [suggestion.value.name, *suggestion.value.aliases]:
                terms.setdefault(surface, suggestion.pk)
    labels = (
        ProductLabel.objects.filter(product=product)
        .select_related("value__attribute")
        .order_by("value__attribute__name", "value__name")
    )
    return render(
        request,
        "frontend/product.html",
        {
            "product": product,
            # Searched up to the limits of new products: one stored before them is shown whole,
            # highlighted only where a product of today could be (frontend/highlight.py).
            "title_html": highlight(product.title, terms, limit=MAX_TITLE_CHARS),
            "description_html": highlight(product.description, terms, limit=MAX_DESCRIPTION_CHARS),
            "labels": labels,
            "groups": groups,
            "pending_count": sum(s.status == SuggestionStatus.PENDING for s in suggestions),
            "last_decision": review.last_decision(request.user, product.pk),
            "accept_above_form": AcceptAboveForm(),
            "queue_query": request.GET.get("queue", ""),
            "focus": request.GET.get("focus", ""),
        },
    )


# Attributes with more allowed values than this are corrected through a search box.
CORRECTION_SELECT_LIMIT = 30


def _grouped(product, suggestions):
    """Suggestions by attribute, each attribute with the values a correction may choose."""
    groups = OrderedDict()
    for suggestion in suggestions:
        attribute = suggestion.value.attribute
        group = groups.setdefault(attribute.pk, {"attribute": attribute, "suggestions": [], "pending": 0})
        group["suggestions"].append(suggestion)
        group["pending"] += suggestion.status == SuggestionStatus.PENDING
    if groups:
        choices = {}
        for value in review.allowed_values(product.category_id, list(groups)):
            choices.setdefault(value.attribute_id, []).append(value)
        for attribute_id, group in groups.items():
            group["choices"] = choices.get(attribute_id, [])
            # A long list is offered once per attribute as a datalist behind a search box, so
            # that the page does not repeat thousands of options for every suggestion.
            group["searchable"] = len(group["choices"]) > CORRECTION_SELECT_LIMIT
            for suggestion in group["suggestions"]:
                suggestion.correction_choices = (
                    [] if group["searchable"] else [v for v in group["choices"] if v.pk != suggestion.value_id]
                )
    return list(groups.values())


def _back(request, product_id, acted_on=()):
    """Back to the product, focused on the next pending suggestion after those acted on."""
    params = {}
    queue_query = request.POST.get("queue", "")
    if queue_query:
        params["queue"] = queue_query
    order = list(
        Suggestion.objects.filter(product_id=product_id)
        .order_by("value__attribute__name", "-score", "id")
        .values_list("pk", "status")
    )
    acted = set(acted_on)
    positions = [index for index, (pk, _status) in enumerate(order) if pk in acted]
    start = max(positions) if positions else -1
    following = [pk for pk, status in order[start + 1 :] + order[: start + 1] if status == SuggestionStatus.PENDING]
    if following:
        params["focus"] = following[0]
    url = reverse("frontend:product", args=[product_id])
    return redirect(f"{url}?{urlencode(params)}" if params else url)


def _run(request, action):
    """Runs one review action; a refusal becomes a message on the page, not an error page.

    Returns (result, refused).
    """
    try:
        return action(), False
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return None, True


def _describe(decision):
    value = decision.suggestion.value
    if decision.action == "accept":
        return _("Accepted %(attribute)s: %(value)s.") % {"attribute": value.attribute.name, "value": value.name}
    if decision.action == "reject":
        return _("Rejected %(attribute)s: %(value)s.") % {"attribute": value.attribute.name, "value": value.name}
    return _("Corrected %(attribute)s: %(value)s → %(corrected)s.") % {
        "attribute": value.attribute.name,
        "value": value.name,
        "corrected": decision.corrected_value.name,
    }


@login_required
@require_POST
def decide(request, pk, suggestion_id, action):
    _product_or_404(request, pk)
    if not Suggestion.objects.filter(pk=suggestion_id, product_id=pk).exists():
        raise Http404
    if action == "correct":
        value_name = request.POST.get("value_name", "").strip()
        try:
            value_id = None if value_name else int(request.POST.get("value", ""))
        except ValueError:
            value_id = None
        if value_id is None and not value_name:
            messages.error(request, _("Choose the value to use instead."))
            return _back(request, pk)
        run = lambda: review.correct(request.user, suggestion_id, value_id, value_name=value_name or None)  # noqa: E731
    else:
        run = lambda: getattr(review, action)(request.user, suggestion_id)  # noqa: E731
    decision, refused = _run(request, run)
    if not refused:
        messages.success(request, _describe(decision))
    return _back(request, pk, [suggestion_id])


@login_required
@require_POST
def accept_above(request, pk):
    _product_or_404(request, pk)
    form = AcceptAboveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The confidence must be a number between 0 and 1."))
        return _back(request, pk)
    result, refused = _run(request, lambda: review.accept_above(request.user, pk, form.cleaned_data["min_score"]))
    if refused:
        return _back(request, pk)
    messages.success(
        request,
        _("Accepted %(count)d suggestions with confidence at least %(score).2f.")
        % {"count": len(result), "score": form.cleaned_data["min_score"]},
    )
    return _back(request, pk, [decision.suggestion_id for decision in result])


@login_required
@require_POST
def reject_rest(request, pk, attribute_id):
    _product_or_404(request, pk)
    result, refused = _run(request, lambda: review.reject_rest(request.user, pk, attribute_id))
    if refused:
        return _back(request, pk)
    messages.success(request, _("Rejected %(count)d remaining suggestions.") % {"count": len(result)})
    return _back(request, pk, [decision.suggestion_id for decision in result])


@login_required
@require_POST
def undo(request, pk):
    _product_or_404(request, pk)
    restored = review.undo_last(request.user, pk)
    if not restored:
        messages.info(request, _("There is no decision to undo."))
        return _back(request, pk)
    if len(restored) == 1:
        value = restored[0].value
        messages.success(
            request,
            _("Undone: %(attribute)s: %(value)s is pending again.")
            % {"attribute": value.attribute.name, "value": value.name},
        )
    else:
        messages.success(request, _("Undone: %(count)d suggestions are pending again.") % {"count": len(restored)})
    # Focus the (first) suggestion that is pending again, the one the seller wants to see.
    url = reverse("frontend:product", args=[pk])
    params = {"focus": restored[0].pk}
    if request.POST.get("queue"):
        params["queue"] = request.POST["queue"]
    return redirect(f"{url}?{urlencode(params)}")


@login_required
@require_GET
def next_product(request, pk):
    """The `n` key: the head of the queue (with the filters the seller came from), not this one."""
    _product_or_404(request, pk)
    queue_query = request.GET.get("queue", "")
    filters = QueueFilterForm(QueryDict(queue_query)).filters()
    next_id = next_product_id(request.user, filters, pk)
    if next_id is None:
        messages.info(request, _("No more products to review."))
        url = reverse("frontend:queue")
        return redirect(f"{url}?{queue_query}" if queue_query else url)
    url = reverse("frontend:product", args=[next_id])
    return redirect(f"{url}?{urlencode({'queue': queue_query})}" if queue_query else url)
