"""A review pass: the products a seller has opened since they last came from the queue.

`n` goes to the head of the queue leaving these out, so it never returns to a product the
seller has already seen (and perhaps skipped) in this pass. The pass lives in the session,
bounded to MAX_SEEN products, and starts again when the seller opens a product from the
queue page or with other queue filters (the `queue` query string differs).
"""
SESSION_KEY = "review_pass"
# Products remembered per pass: the next-product lookup reads this many more queue rows,
# so the bound keeps `n` cheap; after that many products the oldest may come round again.
MAX_SEEN = 100


def _current(request, queue_query):
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("queue") != queue_query or not isinstance(state.get("seen"), list):
        return None
    return state


def start(request, queue_query):
    """A new pass with these filters (nothing seen yet)."""
    old = request.session.get(SESSION_KEY)
    number = old.get("id", 0) + 1 if isinstance(old, dict) and isinstance(old.get("id"), int) else 1
    request.session[SESSION_KEY] = {"queue": queue_query, "seen": [], "id": number}


def pass_id(request, queue_query) -> int:
    """This pass's number: the prefetched next-product URL carries it, so that a page cached
    for one pass is never what another pass (or the queue's own link) is shown."""
    state = _current(request, queue_query)
    return state.get("id", 0) if state else 0


def seen(request, queue_query) -> list[int]:
    state = _current(request, queue_query)
    return [pk for pk in state["seen"] if isinstance(pk, int)] if state else []


def mark_seen(request, queue_query, product_id):
    state = _current(request, queue_query)
    if state is None:
        start(request, queue_query)
        state = request.session[SESSION_KEY]
    ids = [pk for pk in state["seen"] if pk != product_id] + [product_id]
    request.session[SESSION_KEY] = {**state, "seen": ids[-MAX_SEEN:]}
