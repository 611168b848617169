"""What a person does with suggestions: accept, reject, correct, bulk actions and undo.

Every function here is one transaction. The suggestion rows it changes are locked first
(`select_for_update`), so two tabs or two people deciding the same suggestion at once cannot
both record a decision: the second one waits, then sees that the suggestion is no longer
pending. Each decision records who, when, the model version and the score, and changes the
product's labels in the same transaction, so the labels are training data at once. Undo is
recorded too: the decision's row stays, marked with who undid it and when.

Sellers act on their own products only; a suggestion on another seller's product looks as
if it did not exist (`Suggestion.DoesNotExist`), so pages answer 404 rather than 403.
"""
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import is_seller, is_staff_member

from .access import visible_products
from .models import Decision, DecisionAction, LabelSource, ProductLabel, Suggestion, SuggestionStatus


def visible_suggestions(user):
    """Suggestions on the products `user` may see (catalog/access.py)."""
    return Suggestion.objects.filter(_suggestion_visibility(user))


def _suggestion_visibility(user, through="") -> Q:
    """Which suggestions `user` may see, as a condition on a suggestion or, with `through`
    ("suggestion__"), on a row that points to one. A direct condition on the row's own join:
    `suggestion__in=visible_suggestions(user)` joined the suggestions a second time, and
    planning the undo query took 6 ms instead of under 2 (docs/benchmarks.md, "Scale")."""
    if is_staff_member(user):
        return Q()
    if is_seller(user):
        return Q(**{f"{through}seller_id": user.seller_id})
    return Q(**{f"{through}pk__in": []})


def _locked(queryset):
    # Only the suggestion rows are locked (`of=("self",)`), not the joined product, value or
    # attribute (read with them: the page names the decision's attribute and value).
    return queryset.select_for_update(of=("self",)).select_related("product", "value__attribute")


def _lock_pending(user, suggestion_id, product_id=None) -> Suggestion:
    """The pending suggestion, locked; `product_id` (a page's product) narrows the lookup, so a
    suggestion of another product looks as if it did not exist, in the same query."""
    suggestions = visible_suggestions(user)
    if product_id is not None:
        suggestions = suggestions.filter(product_id=product_id)
    suggestion = _locked(suggestions).get(pk=suggestion_id)
    if suggestion.status == SuggestionStatus.WITHDRAWN:
        # A re-score (or a taxonomy edit) took it back while the seller was looking at it:
        # nobody decided it, and there is nothing to undo.
        raise ValidationError(
            _("The model no longer suggests this value: it was withdrawn while you were reviewing "
              "(a new model version or a taxonomy change). The page now shows the current suggestions."),
            code="withdrawn",
        )
    if suggestion.status != SuggestionStatus.PENDING:
        raise ValidationError(
            _("This suggestion has already been decided; undo that decision first to change it."),
            code="not_pending",
        )
    return suggestion


def _record(user, suggestion, action, corrected_value=None) -> Decision:
    # The decision is written before the label it causes, so a label created by this decision
    # is never older than the decision (undo relies on that to leave older labels alone).
    decision = Decision.objects.create(
        suggestion=suggestion,
        action=action,
        corrected_value=corrected_value,
        user=user,
        model_version_id=suggestion.model_version_id,
        score=suggestion.score,
    )
    suggestion.status = {
        DecisionAction.ACCEPT: SuggestionStatus.ACCEPTED,
        DecisionAction.REJECT: SuggestionStatus.REJECTED,
        DecisionAction.CORRECT: SuggestionStatus.CORRECTED,
    }[action]
    suggestion.save(update_fields=["status", "updated_at"])
    return decision


def _accept(user, suggestion) -> Decision:
    decision = _record(user, suggestion, DecisionAction.ACCEPT)
    _add_label(suggestion.product_id, suggestion.value_id, LabelSource.SUGGESTION, user)
    return decision


def _add_label(product_id, value_id, source, user) -> None:
    """The product carries the value from now on; a label it already has stays as it was (its
    source and age: undo removes only labels no older than the decision). One INSERT … ON
    CONFLICT DO NOTHING, where get_or_create took a read, a savepoint and its release too."""
    ProductLabel.objects.bulk_create(
        [ProductLabel(product_id=product_id, value_id=value_id, source=source, created_by=user)], ignore_conflicts=True
    )


def _reject(user, suggestion) -> Decision:
    return _record(user, suggestion, DecisionAction.REJECT)


def accept(user, suggestion_id, *, product_id=None) -> Decision:
    """The product carries the suggested value: it becomes a label (source "suggestion").
    With `product_id`, a suggestion of another product is not found."""
    with transaction.atomic():
        return _accept(user, _lock_pending(user, suggestion_id, product_id))


def reject(user, suggestion_id, *, product_id=None) -> Decision:
    """The product does not carry the suggested value (an explicit negative for training)."""
    with transaction.atomic():
        return _reject(user, _lock_pending(user, suggestion_id, product_id))


def allowed_values(category_id, attribute_ids):
    """The values of these attributes that the category allows, by name: what a correction
    may choose (the suggested value itself aside). The product page lists them for every
    attribute at once; `correct` checks a choice against them."""
    from taxonomy.models import AttributeValue
    from taxonomy.relevance import relevance_index

    # Only these attributes' relevant ids are sent: a category allows hundreds of values, and
    # binding each of them as a parameter cost more than the query (docs/benchmarks.md, "Scale").
    return AttributeValue.objects.filter(
        pk__in=relevance_index().value_ids_of_attributes(category_id, attribute_ids)
    ).order_by("name")


def correction_choices(suggestion):
    """Other values of the suggestion's attribute that the product's category allows."""
    return allowed_values(suggestion.product.category_id, [suggestion.value.attribute_id]).exclude(pk=suggestion.value_id)


def correct(user, suggestion_id, value_id=None, *, value_name=None, product_id=None) -> Decision:
    """The product carries another value of the same attribute instead of the suggested one.

    The value is given by id, or by name (`value_name`: its name or one of its aliases, after
    NFKC, ignoring case), as a seller types it into the search box of a long value list.
    The chosen value becomes a label entered by the seller; the suggestion is marked
    corrected (for training, a negative for the suggested value).
    """
    with transaction.atomic():
        suggestion = _lock_pending(user, suggestion_id, product_id)
        value = _chosen_correction(suggestion, value_id, value_name)
        decision = _record(user, suggestion, DecisionAction.CORRECT, corrected_value=value)
        _add_label(suggestion.product_id, value.pk, LabelSource.SELLER, user)
        return decision


def _chosen_correction(suggestion, value_id, value_name):
    from taxonomy.names import normalize_name

    attribute = suggestion.value.attribute.name
    choices = correction_choices(suggestion)
    if value_name is None:
        value = choices.filter(pk=value_id).first() if value_id is not None else None
        if value is None:
            raise ValidationError(
                _("Choose another value of %(attribute)s that this category allows.") % {"attribute": attribute},
                code="invalid_value",
            )
        return value
    wanted = normalize_name(value_name)
    value = choices.filter(name=wanted).first()
    if value is None:
        folded = wanted.casefold()
        value = next(
            (v for v in choices.only("pk", "name", "aliases")
             if v.name.casefold() == folded or any(a.casefold() == folded for a in v.aliases)),
            None,
        )
    if value is None:
        raise ValidationError(
            _("“%(name)s” is not a value of %(attribute)s that this category allows.")
            % {"name": wanted, "attribute": attribute},
            code="invalid_value",
        )
    return value


def _lock_product_pending(user, product_id, **filters):
    product = visible_products(user).get(pk=product_id)
    # Ordered by id so that two bulk actions on one product lock rows in the same order.
    return list(
        _locked(Suggestion.objects.filter(product=product, status=SuggestionStatus.PENDING, **filters)).order_by("id")
    )


def accept_above(user, product_id, min_score: float, attribute_id=None) -> list[Decision]:
    """Accept every pending suggestion of the product whose score is at least `min_score`."""
    if not 0.0 <= min_score <= 1.0:
        raise ValidationError(_("The confidence must be between 0 and 1."), code="invalid_score")
    filters = {"score__gte": min_score}
    if attribute_id is not None:
        filters["value__attribute_id"] = attribute_id
    with transaction.atomic():
        return _as_one_action([_accept(user, s) for s in _lock_product_pending(user, product_id, **filters)])


def reject_rest(user, product_id, attribute_id) -> list[Decision]:
    """Reject the suggestions of one attribute that are still pending on the product."""
    with transaction.atomic():
        suggestions = _lock_product_pending(user, product_id, value__attribute_id=attribute_id)
        return _as_one_action([_reject(user, suggestion) for suggestion in suggestions])


def _as_one_action(decisions):
    # The decisions of one bulk action share one timestamp, so that undo takes them back
    # together, as the seller did them.
    if len(decisions) > 1:
        at = decisions[0].created_at
        Decision.objects.filter(pk__in=[decision.pk for decision in decisions]).update(created_at=at)
        for decision in decisions:
            decision.created_at = at
    return decisions


# How far back `u` reaches: a seller's last UNDO_DEPTH actions (a bulk action counts once),
# across products. Older decisions stay as they are; the audit trail keeps them all.
UNDO_DEPTH = 20


def _undoable(user, product_id=None):
    """`user`'s decisions that may still be undone, newest first."""
    mine = Decision.objects.filter(user=user)
    if product_id is not None:
        mine = mine.filter(suggestion__product_id=product_id)
    # The oldest of the last UNDO_DEPTH actions, undone ones included, so that pressing `u`
    # again and again stops after UNDO_DEPTH actions instead of unwinding a whole day. Read
    # from the user's own decisions alone, newest first along index decision_user_recent: a
    # few rows however many decisions the seller has made (with the visibility join below,
    # PostgreSQL joined all 200,000 of a large seller's, 0.4 s). Decisions the user may no
    # longer see only make the reach shorter.
    cutoff = list(mine.order_by("-created_at").values_list("created_at", flat=True).distinct()[UNDO_DEPTH - 1 : UNDO_DEPTH])
    standing = mine.filter(_suggestion_visibility(user, through="suggestion__"), undone_at__isnull=True)
    if cutoff:
        standing = standing.filter(created_at__gte=cutoff[0])
    return standing.order_by("-created_at", "-id")


def last_decision(user, product_id=None):
    """The newest decision `user` made that they may still undo.

    Without `product_id` (what the product page's `u` uses) it is the seller's newest action
    on any product, among their last UNDO_DEPTH actions; with it, the newest on that product
    only (among that product's last UNDO_DEPTH actions).

    The suggestion comes with its value and attribute, what the undo button names; its
    product is read only if asked for (the button names it only when it is another product).
    Every product page and decision asks for this, and each table more in the join cost
    PostgreSQL about half a millisecond more to plan (docs/benchmarks.md, "Scale", "Sixth pass").
    """
    return _undoable(user, product_id).select_related("suggestion__value__attribute").first()


def undo_last(user, product_id=None) -> list[Suggestion]:
    """Undo `user`'s newest action: its suggestions are pending again, their labels restored.

    Without `product_id` it is the newest action on any of the products the user may see
    (undo across products: the suggestions returned say which product it was); with it, the
    newest on that product. Either way only the last UNDO_DEPTH actions can be undone.
    A bulk action is undone as a whole. Returns the suggestions restored (none when there is
    nothing to undo). A label the decision created is removed; a label the product already
    had before the decision stays. The decisions are marked undone (by `user`, now), not deleted.
    """
    with transaction.atomic():
        latest = _undoable(user, product_id).values_list("created_at", "suggestion__product_id").first()
        if latest is None:
            return []
        created_at, decided_product_id = latest
        action = Decision.objects.standing().filter(
            user=user, created_at=created_at, suggestion__product_id=decided_product_id
        )
        suggestions = {
            s.pk: s
            for s in _locked(Suggestion.objects.filter(pk__in=action.values("suggestion_id")))
            .select_related("value__attribute", "product")
            .order_by("id")
        }
        # Read again under the locks: another undo of the same action may have got there first.
        decisions = list(action.filter(suggestion_id__in=suggestions))
        for decision in decisions:
            _restore(suggestions[decision.suggestion_id], decision, user)
        return [suggestions[decision.suggestion_id] for decision in sorted(decisions, key=lambda d: d.suggestion_id)]


def _restore(suggestion, decision, user):
    label_value_id = {
        DecisionAction.ACCEPT: suggestion.value_id,
        DecisionAction.CORRECT: decision.corrected_value_id,
    }.get(decision.action)
    if label_value_id is not None:
        ProductLabel.objects.filter(
            product_id=suggestion.product_id, value_id=label_value_id, created_at__gte=decision.created_at
        ).delete()
    # The decision stays, marked undone: the audit trail keeps what was decided and undone.
    decision.undone_at, decision.undone_by = timezone.now(), user
    decision.save(update_fields=["undone_at", "undone_by"])
    suggestion.status = SuggestionStatus.PENDING
    suggestion.save(update_fields=["status", "updated_at"])


# -- Bulk review across products (the queue's "accept ≥ X across this filter") -------------


def score_for_precision(target: float, version=None) -> float:
    """The lowest score whose suggestions were at least `target` precise on the validation
    slice of `version` (the active one by default): accepting everything at or above it is
    expected to be that precise. The curve is computed at training time (ml/xmc/thresholds.py)."""
    from ml.inference import precision_curve
    from ml.models import ModelVersion

    if not 0.0 < target <= 1.0:
        raise ValidationError(_("The target precision must be between 0 and 1."), code="invalid_precision")
    version = version or ModelVersion.objects.filter(is_active=True).first()
    curve = precision_curve(version) if version is not None else []
    if not curve:
        raise ValidationError(
            _("The active model has no precision figures; give a minimum confidence instead."), code="no_curve"
        )
    for score, precision, _count in curve:
        if precision >= target:
            return score
    raise ValidationError(
        _("No confidence reaches an estimated precision of %(target)s; give a minimum confidence instead.")
        % {"target": f"{target:.0%}"},
        code="unreachable_precision",
    )


def _bulk_candidates(user, suggestions, min_score, attribute_id):
    if not 0.0 <= min_score <= 1.0:
        raise ValidationError(_("The confidence must be between 0 and 1."), code="invalid_score")
    rows = visible_suggestions(user).filter(
        pk__in=suggestions.values("pk"), status=SuggestionStatus.PENDING, score__gte=min_score
    )
    if attribute_id is not None:
        rows = rows.filter(value__attribute_id=attribute_id)
    return rows


def count_accept_across(user, suggestions, min_score: float, attribute_id=None) -> tuple[int, int]:
    """(suggestions, products) that `accept_across` would accept now: what the queue asks the
    seller to confirm before a bulk accept."""
    from django.db.models import Count

    counts = _bulk_candidates(user, suggestions, min_score, attribute_id).aggregate(
        suggestions=Count("id"), products=Count("product_id", distinct=True)
    )
    return counts["suggestions"], counts["products"]


def accept_across(user, suggestions, min_score: float, attribute_id=None) -> list[Decision]:
    """Accept the pending ones among `suggestions` (any products the user may see) scoring at
    least `min_score`, of one attribute if given: one transaction, one Decision per suggestion.

    Safe to post twice: the second time they are no longer pending and nothing is accepted.
    The rows are locked in id order (as every bulk action here), and written in bulk, so a
    filter of thousands costs a few statements, not thousands.
    """
    with transaction.atomic():
        locked = list(
            _bulk_candidates(user, suggestions, min_score, attribute_id)
            .select_for_update(of=("self",))
            .order_by("id")
            .values_list("pk", "product_id", "value_id", "model_version_id", "score")
        )
        return _accept_many(user, locked)


def accept_selected(user, suggestion_ids) -> list[Decision]:
    """Accept the listed suggestions that are still pending (the queue's ticked rows)."""
    with transaction.atomic():
        locked = list(
            visible_suggestions(user)
            .filter(pk__in=list(suggestion_ids), status=SuggestionStatus.PENDING)
            .select_for_update(of=("self",))
            .order_by("id")
            .values_list("pk", "product_id", "value_id", "model_version_id", "score")
        )
        return _accept_many(user, locked)


def _accept_many(user, locked) -> list[Decision]:
    if not locked:
        return []
    now = timezone.now()
    # Written before the labels they cause, with one timestamp (one action for undo, and no
    # label older than its decision: undo relies on that to leave older labels alone).
    decisions = Decision.objects.bulk_create(
        [
            Decision(suggestion_id=pk, action=DecisionAction.ACCEPT, user=user, model_version_id=version_id,
                     score=score, created_at=now)
            for pk, _product_id, _value_id, version_id, score in locked
        ],
        batch_size=1000,
    )
    Decision.objects.filter(pk__in=[d.pk for d in decisions if d.pk]).update(created_at=now)
    Suggestion.objects.filter(pk__in=[row[0] for row in locked]).update(
        status=SuggestionStatus.ACCEPTED, updated_at=timezone.now()
    )
    ProductLabel.objects.bulk_create(
        [
            ProductLabel(product_id=product_id, value_id=value_id, source=LabelSource.SUGGESTION, created_by=user)
            for _pk, product_id, value_id, _version_id, _score in locked
        ],
        ignore_conflicts=True,
        batch_size=1000,
    )
    for decision in decisions:
        decision.created_at = now
    return decisions


def reviewed_today(user) -> int:
    """Decisions `user` made since local midnight and has not undone."""
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Decision.objects.standing().filter(user=user, created_at__gte=start).count()


def reject_selected(user, suggestion_ids) -> list[Decision]:
    """Reject the listed suggestions that are still pending (the queue's ticked rows)."""
    with transaction.atomic():
        suggestions = _locked(
            visible_suggestions(user).filter(pk__in=list(suggestion_ids), status=SuggestionStatus.PENDING)
        ).order_by("id")
        return _as_one_action([_reject(user, suggestion) for suggestion in suggestions])
