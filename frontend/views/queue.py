"""The review queue page and its bulk actions.

The page lists products with matching suggestions (frontend/queue.py), each row with the
suggestion most relevant to the sort, its score against its cut-off and how many more the
product has. From it a seller ticks rows and accepts or rejects the suggestions they show, or
accepts, across everything the filter matches (not only the page), the suggestions of one
attribute at or above a score, or at a target precision. That one asks first: the page
answers with the count, and only a second post with `confirm` decides. Both are plain form
posts; each decision is a Decision row (catalog/review.py), and posting twice decides nothing
more (the suggestions are no longer pending).
"""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import is_staff_member
from catalog import review
from catalog.models import SuggestionStatus

from ..forms import AcceptAcrossForm, QueueFilterForm, limit_taxonomy_choices
from ..queue import matching_suggestions, queue_page, totals
from .review import product_url

STATUS_HEADINGS = {
    SuggestionStatus.PENDING: lambda: _("to review"),
    SuggestionStatus.ACCEPTED: lambda: _("accepted"),
    SuggestionStatus.REJECTED: lambda: _("rejected"),
    SuggestionStatus.CORRECTED: lambda: _("corrected"),
}


def heading(form) -> str:
    """"Shoes › Color, to review": the category, attribute and seller chosen, then the status."""
    data = form.cleaned_data if form.is_bound and hasattr(form, "cleaned_data") else {}
    data = {name: value for name, value in data.items() if name not in form.errors}
    parts = []
    if data.get("category"):
        parts.append(" › ".join(data["category"].path))
    if data.get("attribute"):
        parts.append(data["attribute"].name)
    subject = " › ".join(parts) or _("All products")
    if data.get("seller"):
        subject = _("%(subject)s of %(seller)s") % {"subject": subject, "seller": data["seller"]}
    status = STATUS_HEADINGS.get(data.get("status") or SuggestionStatus.PENDING, STATUS_HEADINGS["pending"])()
    return _("%(subject)s, %(status)s") % {"subject": subject, "status": status}


def _shown_rows(rows, query):
    """What each row prints, worked out here once instead of by a dozen template tags per row:
    the page lists 50 rows, and rendering them was most of its time (docs/benchmarks.md, "Scale")."""
    for row in rows:
        row["url"] = product_url(row["product_id"], query)
        top = row["top"]
        row["more_text"] = (
            ngettext("+%(counter)s more", "+%(counter)s more", row["more"]) % {"counter": row["more"]}
            if row["more"] else ""
        )
        if top is None:
            continue
        names = {"attribute": top.value.attribute.name, "value": top.value.name}
        row["select_label"] = _("Select %(attribute)s = %(value)s") % names
        row["score_text"], row["threshold_text"] = number_format(top.score, 2), number_format(top.threshold, 2)
        row["score_title"] = _("Score %(score)s; the model suggests this attribute from %(threshold)s") % {
            "score": row["score_text"], "threshold": row["threshold_text"],
        }
    return rows


def _filter_form(request, query):
    form = QueueFilterForm(query, user=request.user)
    return form, form.filters()


def _page_number(request):
    try:
        return int(request.GET.get("page", 1))
    except ValueError:
        return 1


@login_required
@require_GET
def queue(request):
    form, filters = _filter_form(request, request.GET)
    page = queue_page(request.user, filters, _page_number(request))
    params = request.GET.copy()
    params.pop("page", None)
    across_form = AcceptAcrossForm(initial={"attribute": filters.attribute_id})
    limit_taxonomy_choices(form, filters, across_form)
    query = params.urlencode()
    _shown_rows(page.rows, query)
    return render(
        request,
        "frontend/queue.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "heading": heading(form),
            "totals": totals(request.user, filters),
            "reviewed_today": review.reviewed_today(request.user),
            "across_form": across_form,
            "show_seller": is_staff_member(request.user),
            "pending": filters.status == SuggestionStatus.PENDING,
        },
    )


def _back_to_queue(query):
    url = reverse("frontend:queue")
    return redirect(f"{url}?{query}" if query else url)


@login_required
@require_POST
def decide_selected(request):
    """Accept or reject the suggestions the ticked rows show."""
    query = request.POST.get("queue", "")
    ids = [int(value) for value in request.POST.getlist("suggestion") if value.isdigit()]
    if not ids:
        messages.error(request, _("Tick the rows to act on first."))
        return _back_to_queue(query)
    if request.POST.get("action") == "reject":
        decisions = review.reject_selected(request.user, ids)
        text = ngettext("Rejected %(count)d suggestion.", "Rejected %(count)d suggestions.", len(decisions))
    else:
        decisions = review.accept_selected(request.user, ids)
        text = ngettext("Accepted %(count)d suggestion.", "Accepted %(count)d suggestions.", len(decisions))
    messages.success(request, text % {"count": len(decisions)})
    return _back_to_queue(query)


@login_required
@require_POST
def accept_across(request):
    """Accept ≥ a score (or at a target precision) for one attribute across the whole filter:
    first the count to confirm, then, with `confirm`, the decisions."""
    query = request.POST.get("queue", "")
    filter_form, filters = _filter_form(request, QueryDict(query))
    form = AcceptAcrossForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return _back_to_queue(query)
    score = form.cleaned_data["score"]
    attribute = form.cleaned_data.get("attribute")
    attribute_id = attribute.pk if attribute else None
    # Pending suggestions only, whatever status the queue shows.
    filters.status = SuggestionStatus.PENDING
    suggestions = matching_suggestions(request.user, filters)
    if not form.cleaned_data.get("confirm"):
        count, products = review.count_accept_across(request.user, suggestions, score, attribute_id)
        return render(
            request,
            "frontend/queue_confirm.html",
            {
                "form": form,
                "query": query,
                "heading": heading(filter_form),
                "score": score,
                "target": None if form.cleaned_data.get("min_score") is not None else form.cleaned_data["target_precision"],
                "attribute": attribute,
                "count": count,
                "products": products,
            },
        )
    decisions = review.accept_across(request.user, suggestions, score, attribute_id)
    if decisions:
        messages.success(
            request,
            ngettext(
                "Accepted %(count)d suggestion with confidence at least %(score).2f.",
                "Accepted %(count)d suggestions with confidence at least %(score).2f.",
                len(decisions),
            )
            % {"count": len(decisions), "score": score},
        )
    else:
        messages.info(request, _("Nothing left to accept: those suggestions have already been decided."))
    return _back_to_queue(query)
