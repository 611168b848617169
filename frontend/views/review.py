"""The seller's pages: the review of one product (the queue is frontend/views/queue.py).

Actions are plain form posts (they work without JavaScript); each redirects back to the
product page with the next pending suggestion focused, so keyboard review goes on where it
stopped. The page's script posts the same forms with `Accept: application/json`: the answer
is then JSON with the updated parts of the page (the suggestion cards, the labels, the undo
button, the count) and the messages, and the page changes in place, without a reload.
"""
import hashlib
from collections import OrderedDict
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog import review
from catalog.limits import MAX_DESCRIPTION_CHARS, MAX_TITLE_CHARS
from catalog.models import Decision, DecisionAction, ProductLabel, Suggestion, SuggestionStatus

from .. import review_pass
from ..forms import AcceptAboveForm, QueueFilterForm
from ..highlight import highlight
from ..queue import next_product_id


@login_required
def home(request):
    return redirect("frontend:queue")


def _product_or_404(request, pk):
    return get_object_or_404(review.visible_products(request.user).select_related("category", "seller"), pk=pk)


def _wants_json(request):
    return "application/json" in request.headers.get("Accept", "") or bool(request.headers.get("X-Requested-With"))


def _is_prefetch(request):
    # Chromium sends Sec-Purpose (older versions Purpose) with <link rel="prefetch">.
    return "prefetch" in request.headers.get("Sec-Purpose", "") or request.headers.get("Purpose") == "prefetch"


def _queue_query(request):
    return request.POST.get("queue", "") if request.method == "POST" else request.GET.get("queue", "")


def _next_product_id(request, pk, queue_query):
    filters = QueueFilterForm(QueryDict(queue_query)).filters()
    return next_product_id(request.user, filters, pk, exclude=review_pass.seen(request, queue_query))


def product_url(product_id, queue_query="", **params):
    """A product page's address, carrying the queue it was opened from (and `params`)."""
    if queue_query:
        params = {"queue": queue_query, **params}
    url = reverse("frontend:product", args=[product_id])
    return f"{url}?{urlencode(params)}" if params else url


# The order of a product page's cards: by attribute, the most confident first.
SUGGESTION_ORDER = ("value__attribute__name", "-score", "id")


def _suggestions(product):
    return list(
        Suggestion.objects.filter(product=product).select_related("value__attribute", "model_version").order_by(*SUGGESTION_ORDER)
    )


def _review_context(request, product, suggestions, queue_query, last_decision=None):
    """What the product page's changing parts show: the cards, the labels, the undo button
    (for `last_decision`, the seller's newest decision, read here when not given)."""
    pending_count = sum(s.status == SuggestionStatus.PENDING for s in suggestions)
    return {
        "product": product,
        "groups": _grouped(product, suggestions),
        "labels": (
            ProductLabel.objects.filter(product=product)
            .select_related("value__attribute")
            .order_by("value__attribute__name", "value__name")
        ),
        "pending_count": pending_count,
        "last_decision": last_decision or review.last_decision(request.user),
        "queue_query": queue_query,
    }


@login_required
@require_GET
def product(request, pk):
    product = _product_or_404(request, pk)
    queue_query = request.GET.get("queue", "")
    prefetch = _is_prefetch(request)
    referer = request.headers.get("Referer", "")
    if not prefetch and referer and _from_queue_page(request, referer):
        review_pass.start(request, queue_query)
    if not prefetch:
        review_pass.mark_seen(request, queue_query, product.pk)
    suggestions = _suggestions(product)
    # Every suggested value is marked in the text, decided ones too (pending ones first when
    # two share a word), so the marks stay where they were while the seller decides.
    terms = {}
    for pending in (True, False):
        for suggestion in suggestions:
            if (suggestion.status == SuggestionStatus.PENDING) == pending:
                for surface in [suggestion.value.name, *suggestion.value.aliases]:
                    terms.setdefault(surface, suggestion.pk)
    next_id = _next_product_id(request, product.pk, queue_query)
    context = _review_context(request, product, suggestions, queue_query)
    context.update(
        {
            # Searched up to the limits of new products: one stored before them is shown whole,
            # highlighted only where a product of today could be (frontend/highlight.py).
            "title_html": highlight(product.title, terms, limit=MAX_TITLE_CHARS),
            "description_html": highlight(product.description, terms, limit=MAX_DESCRIPTION_CHARS),
            "accept_above_form": AcceptAboveForm(),
            "focus": request.GET.get("focus", ""),
            # The next product, found now so that the page can prefetch it and `n` is instant.
            "next_product_url": (
                product_url(next_id, queue_query, **{"pass": review_pass.pass_id(request, queue_query)})
                if next_id else ""
            ),
            "review_state": _review_state((s.pk, s.status) for s in suggestions),
            # A page rendered for a prefetch has not been seen yet: its script says when it is.
            "prefetched": prefetch,
        }
    )
    response = render(request, "frontend/product.html", context)
    if prefetch:
        # Chromium uses a prefetched page for the navigation only if it may be cached. Only
        # the `n` URL of this pass (it carries the pass number) is, and the page's script
        # reloads it if its suggestions changed since (see `seen`).
        response["Cache-Control"] = "private, max-age=300"
    return response


def _from_queue_page(request, referer):
    # Opening a product from the queue page starts a new pass (the queue view is not ours).
    parts = urlsplit(referer)
    return parts.netloc == request.get_host() and parts.path == reverse("frontend:queue")


def _review_state(statuses):
    """A short token of the suggestions' statuses, (id, status) pairs: a page prefetched
    before they changed is stale."""
    text = ",".join(f"{pk}:{status}" for pk, status in sorted(statuses))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@login_required
@require_POST
def seen(request, pk):
    """The page's script says a product page shown from the prefetch cache was opened; the
    answer says whether its suggestions changed since it was fetched (the page then reloads)
    and brings the undo button up to date."""
    product = _product_or_404(request, pk)
    queue_query = _queue_query(request)
    review_pass.mark_seen(request, queue_query, pk)
    # The undo button as it is now: the seller may have decided elsewhere since the prefetch.
    undo_form = render_to_string(
        "frontend/_undo_form.html",
        {"product": product, "last_decision": review.last_decision(request.user), "queue_query": queue_query},
        request=request,
    )
    return JsonResponse(
        {
            "stale": request.POST.get("state", "") != _review_state(
                Suggestion.objects.filter(product=product).values_list("pk", "status")
            ),
            "parts": {"undo_form": undo_form},
        }
    )


# Attributes with more allowed values than this are corrected through a search box.
CORRECTION_SELECT_LIMIT = 30


def _grouped(product, suggestions):
    """Suggestions by attribute, each attribute with the values a correction may choose."""
    groups = OrderedDict()
    corrected = [s.pk for s in suggestions if s.status == SuggestionStatus.CORRECTED]
    corrected_to = dict(
        Decision.objects.standing()
        .filter(suggestion_id__in=corrected, action=DecisionAction.CORRECT)
        .values_list("suggestion_id", "corrected_value__name")
    ) if corrected else {}
    for suggestion in suggestions:
        attribute = suggestion.value.attribute
        group = groups.setdefault(attribute.pk, {"attribute": attribute, "suggestions": [], "pending": 0})
        group["suggestions"].append(suggestion)
        group["pending"] += suggestion.status == SuggestionStatus.PENDING
        # A corrected card shows the value it was corrected to ("26.0 → 25.0").
        suggestion.corrected_to = corrected_to.get(suggestion.pk)
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


def _next_focus(order, acted_on=()):
    """The next pending suggestion after those acted on (wrapping round), or None. `order` is
    the product's suggestions as (id, status), in the page's order (`_suggestions`)."""
    acted = set(acted_on)
    positions = [index for index, (pk, _status) in enumerate(order) if pk in acted]
    start = max(positions) if positions else -1
    following = [pk for pk, status in order[start + 1 :] + order[: start + 1] if status == SuggestionStatus.PENDING]
    return following[0] if following else None


def _back(request, product, acted_on=(), focus=None, affected=None, decided=None):
    """The answer to an action on `product` (as the action's view read it): back to the
    product, focused on the next pending suggestion after those acted on (or on `focus`);
    JSON with the page's new parts for the script. `decided` is the decision the action just
    made, if one: the newest the seller may undo, so the undo button names it unread."""
    queue_query = _queue_query(request)
    if _wants_json(request):
        suggestions = _suggestions(product)
        if focus is None:
            focus = _next_focus([(s.pk, s.status) for s in suggestions], acted_on)
        return _json_answer(request, product, suggestions, queue_query, focus, affected, decided)
    if focus is None:
        order = list(Suggestion.objects.filter(product=product).order_by(*SUGGESTION_ORDER).values_list("pk", "status"))
        focus = _next_focus(order, acted_on)
    params = {"focus": focus} if focus else {}
    return redirect(product_url(product.pk, queue_query, **params))


def _json_answer(request, product, suggestions, queue_query, focus, affected, decided):
    context = _review_context(request, product, suggestions, queue_query, last_decision=decided)
    context["request"] = request
    parts = {
        name: render_to_string(f"frontend/_{name}.html", context, request=request)
        for name in ("suggestion_groups", "labels", "undo_form", "pending_count")
    }
    return JsonResponse(
        {
            "product_id": product.pk,
            "focus": focus,
            "pending_count": context["pending_count"],
            "parts": parts,
            # `code` names why an action was refused ("not_pending", "withdrawn"), if it was.
            "messages": [{"level": m.level_tag, "text": str(m), "code": m.extra_tags or None}
                         for m in messages.get_messages(request)],
            # Undo on another product than the one shown: where it happened, to link to it.
            "affected": affected,
        }
    )


def _run(request, action):
    """Runs one review action; a refusal becomes a message on the page, not an error page.

    Returns (result, refused).
    """
    try:
        return action(), False
    except ObjectDoesNotExist:
        raise Http404 from None
    except ValidationError as error:
        # The refusal's code travels with the message, for the JSON answer (`code`).
        messages.error(request, " ".join(error.messages), extra_tags=getattr(error, "code", None) or "")
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
    product = _product_or_404(request, pk)
    # The suggestion is looked up within this product by the action itself (`product_id`): one
    # of another product is a 404, as if it did not exist.
    if action == "correct":
        value_name = request.POST.get("value_name", "").strip()
        try:
            value_id = None if value_name else int(request.POST.get("value", ""))
        except ValueError:
            value_id = None
        if value_id is None and not value_name:
            if not Suggestion.objects.filter(pk=suggestion_id, product_id=pk).exists():
                raise Http404
            # The list starts on an empty choice: Enter alone must not correct to its first value.
            messages.error(request, _("Choose the value to use instead."))
            return _back(request, product, focus=suggestion_id)
        run = lambda: review.correct(  # noqa: E731
            request.user, suggestion_id, value_id, value_name=value_name or None, product_id=pk
        )
    else:
        run = lambda: getattr(review, action)(request.user, suggestion_id, product_id=pk)  # noqa: E731
    decision, refused = _run(request, run)
    if not refused:
        messages.success(request, _describe(decision))
    return _back(request, product, [suggestion_id], decided=decision)


@login_required
@require_POST
def accept_above(request, pk):
    product = _product_or_404(request, pk)
    form = AcceptAboveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(" ".join(errors) for errors in form.errors.values()))
        return _back(request, product)
    # The score the target precision became (or the minimum confidence given).
    result, refused = _run(request, lambda: review.accept_above(request.user, pk, form.cleaned_data["score"]))
    if refused:
        return _back(request, product)
    messages.success(
        request,
        _("Accepted %(count)d suggestions with confidence at least %(score).2f.")
        % {"count": len(result), "score": form.cleaned_data["score"]},
    )
    return _back(request, product, [decision.suggestion_id for decision in result])


@login_required
@require_POST
def reject_rest(request, pk, attribute_id):
    product = _product_or_404(request, pk)
    result, refused = _run(request, lambda: review.reject_rest(request.user, pk, attribute_id))
    if refused:
        return _back(request, product)
    messages.success(request, _("Rejected %(count)d remaining suggestions.") % {"count": len(result)})
    return _back(request, product, [decision.suggestion_id for decision in result])


@login_required
@require_POST
def undo(request, pk):
    """Undo the seller's newest action, on this product or another one (the last
    catalog.review.UNDO_DEPTH actions, across products). Without JavaScript the answer goes to
    the product the action was on; the script stays and links to it."""
    product = _product_or_404(request, pk)
    restored = review.undo_last(request.user)
    if not restored:
        messages.info(request, _("There is no decision to undo."))
        return _back(request, product)
    where = restored[0].product
    elsewhere = where.pk != product.pk
    if len(restored) == 1:
        value = restored[0].value
        text = _("Undone: %(attribute)s: %(value)s is pending again.") % {
            "attribute": value.attribute.name,
            "value": value.name,
        }
    else:
        text = _("Undone: %(count)d suggestions are pending again.") % {"count": len(restored)}
    if elsewhere:
        text = _("%(message)s (on product %(product)s)") % {"message": text, "product": where.external_id}
    messages.success(request, text)
    queue_query = _queue_query(request)
    affected = {"product_id": where.pk, "external_id": where.external_id,
                "url": product_url(where.pk, queue_query, focus=restored[0].pk)} if elsewhere else None
    if elsewhere and not _wants_json(request):
        return redirect(affected["url"])
    # Focus the (first) suggestion that is pending again, the one the seller wants to see.
    return _back(request, product, focus=restored[0].pk if not elsewhere else None, affected=affected)


@login_required
@require_GET
def next_product(request, pk):
    """The `n` key: the head of the queue (with the filters the seller came from), leaving
    out this product and those already seen in this pass (frontend/review_pass.py)."""
    _product_or_404(request, pk)
    queue_query = request.GET.get("queue", "")
    next_id = _next_product_id(request, pk, queue_query)
    if next_id is None:
        messages.info(request, _("No more products to review."))
        url = reverse("frontend:queue")
        return redirect(f"{url}?{queue_query}" if queue_query else url)
    return redirect(product_url(next_id, queue_query))
