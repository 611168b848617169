"""Loading the active model in a worker."""
import threading

from django.conf import settings

from .artifacts import verify_artifact

_models: dict[tuple, object] = {}
_lock = threading.Lock()


def load_model(version):
    """The ml.xmc model of a version, verified against its checksum on first load, then cached."""
    # Keyed by where and what the artifact is, not only by id: ids are reused across databases.
    key = (version.pk, version.artifact_uri, version.checksum)
    with _lock:
        model = _models.get(key)
        if model is None:
            from ml.xmc.model import XmcModel

            folder = verify_artifact(version.artifact_uri, version.checksum)
            model = XmcModel.load(folder, device=settings.ZOKUSEI_DEVICE, bf16=settings.ZOKUSEI_INFERENCE_BF16)
            # One model per worker process is enough: versions are scored one at a time.
            _models.clear()
            _models[key] = model
        return model


def product_document(product, category_path: list[str]) -> dict:
    return {
        "id": str(product.pk),
        "category": category_path,
        "title": product.title,
        "description": product.description,
    }
