"""Loading the active model in a worker and mapping its labels onto taxonomy rows."""
import threading

from django.conf import settings

from taxonomy.models import AttributeValue
from taxonomy.signals import current_revision

from .artifacts import verify_artifact

_models: dict[int, object] = {}
_value_ids: dict[str, object] = {}
_lock = threading.Lock()


def load_model(version):
    """The ml.xmc model of a version, verified against its checksum on first load, then cached."""
    with _lock:
        model = _models.get(version.pk)
        if model is None:
            from ml.xmc.model import XmcModel

            folder = verify_artifact(version.artifact_uri, version.checksum)
            model = XmcModel.load(folder, device=settings.ZOKUSEI_DEVICE)
            # One model per worker process is enough: versions are scored one at a time.
            _models.clear()
            _models[version.pk] = model
        return model


def value_ids_by_name() -> dict[tuple[str, str], int]:
    """(attribute name, value name) → AttributeValue id, refreshed when the taxonomy changes."""
    revision = current_revision()
    with _lock:
        if _value_ids.get("revision") != revision:
            _value_ids["map"] = {
                (attribute, value): pk
                for pk, attribute, value in AttributeValue.objects.values_list("pk", "attribute__name", "name")
            }
            _value_ids["revision"] = revision
        return _value_ids["map"]


def product_document(product, category_path: list[str]) -> dict:
    return {
        "id": str(product.pk),
        "category": category_path,
        "title": product.title,
        "description": product.description,
    }
