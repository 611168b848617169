"""Loading the active model in a worker."""
import json
import threading
from pathlib import Path

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


_grown: dict[tuple, object] = {}


def load_model_for_current_taxonomy(version):
    """The version's model scoring the taxonomy as it is now (XmcModel.for_taxonomy): values
    added since training are scored by the label-text head, removed ones never suggested.
    Rebuilt when the taxonomy or the version changes (one per worker process)."""
    from taxonomy.exporting import taxonomy_document
    from taxonomy.relevance import relevance_index

    model = load_model(version)
    key = (version.pk, version.artifact_uri, version.checksum, relevance_index().key)
    with _lock:
        grown = _grown.get(key)
        if grown is None:
            grown = model.for_taxonomy(taxonomy_document())
            _grown.clear()
            _grown[key] = grown
        return grown


def product_document(product, category_path: list[str]) -> dict:
    return {
        "id": str(product.pk),
        "category": category_path,
        "title": product.title,
        "description": product.description,
    }


def _artifact_meta(version) -> dict:
    """The version's xmc_config.json (thresholds, validation figures) without loading the
    network: the web process reads cut-offs and the precision curve from it. {} when the
    folder is gone or unreadable."""
    key = ("meta", version.pk, version.artifact_uri, version.checksum)
    meta = _meta.get(key)
    if meta is None:
        try:
            with open(Path(version.artifact_uri) / "xmc_config.json", encoding="utf-8") as stream:
                meta = json.load(stream)
        except (OSError, ValueError):
            meta = {}
        if not isinstance(meta, dict):
            meta = {}
        _meta[key] = meta
    return meta


_meta: dict[tuple, dict] = {}

# The cut-off of a suggestion whose version's thresholds cannot be read: the untuned default.
DEFAULT_THRESHOLD = 0.5


def decision_thresholds(version) -> tuple[float, dict[str, float]]:
    """(global threshold, {attribute name: threshold}) the version decides with."""
    thresholds = _artifact_meta(version).get("thresholds") or {}
    try:
        global_ = float(thresholds.get("global", DEFAULT_THRESHOLD))
        per_attribute = {str(a): float(t) for a, t in (thresholds.get("attribute") or {}).items()}
    except (TypeError, ValueError, AttributeError):
        return DEFAULT_THRESHOLD, {}
    return global_, per_attribute


def precision_curve(version) -> list[tuple[float, float, int]]:
    """[(score, precision, count)], ascending by score: on the version's validation slice, the
    precision of its suggestions scoring at least `score` (ml/xmc/thresholds.py). Read from
    the version's metrics when they carry one, else from its artifact; [] when neither does."""
    curve = (version.metrics or {}).get("precision_curve")
    if not curve:
        curve = ((_artifact_meta(version).get("info") or {}).get("validation") or {}).get("precision_curve")
    try:
        return sorted((float(s), float(p), int(n)) for s, p, n in curve or ())
    except (TypeError, ValueError):
        return []
