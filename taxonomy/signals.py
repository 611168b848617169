"""Every change to the taxonomy bumps TaxonomyRevision, which keys relevance caches.

`taxonomy_imported` is sent after the transaction of a taxonomy import that changed something
commits (no arguments besides the sender). Imports write with bulk operations, which send no
post_save signals; listeners that react to taxonomy edits should connect to it as well.
"""
from django.db.models import F
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal, receiver
from django.utils import timezone

from .models import Attribute, AttributeValue, Category, CategoryAttribute, TaxonomyRevision

taxonomy_imported = Signal()


def bump_revision():
    # One row; an UPDATE ... SET revision = revision + 1 is atomic under concurrent edits.
    # update() skips auto_now, and relevance caches key on changed_at too: set it here.
    if not TaxonomyRevision.objects.filter(pk=1).update(revision=F("revision") + 1, changed_at=timezone.now()):
        TaxonomyRevision.objects.get_or_create(pk=1, defaults={"revision": 1})


@receiver(post_save, sender=Category)
@receiver(post_save, sender=Attribute)
@receiver(post_save, sender=AttributeValue)
@receiver(post_save, sender=CategoryAttribute)
@receiver(post_delete, sender=Category)
@receiver(post_delete, sender=Attribute)
@receiver(post_delete, sender=AttributeValue)
@receiver(post_delete, sender=CategoryAttribute)
def _taxonomy_row_changed(sender, **kwargs):
    if kwargs.get("raw"):
        return
    bump_revision()


@receiver(m2m_changed, sender=CategoryAttribute.values.through)
def _assignment_values_changed(sender, action, **kwargs):
    if action in ("post_add", "post_remove", "post_clear"):
        bump_revision()


def current_revision() -> int:
    return TaxonomyRevision.objects.filter(pk=1).values_list("revision", flat=True).first() or 0
