"""The catalogue's Celery tasks: thin wrappers that take no arguments or ids and are safe to
run twice (the work is in the domain modules)."""
from celery import shared_task

from . import overview


@shared_task(name="catalog.tasks.refresh_overview")
def refresh_overview() -> float:
    """Recompute the staff overview's figures; returns the seconds it took."""
    return overview.refresh_overview().seconds
