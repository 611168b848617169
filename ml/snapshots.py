"""Frozen training data: the catalogue's labels and decisions written to files for one run.

A snapshot folder holds `taxonomy.json`, `train.jsonl` and `heldout.jsonl` in the formats of
docs/formats.md. Positives are the products' accepted labels (imported, entered by sellers, accepted
suggestions); suggestions a seller rejected (or corrected to another value) are written as
explicit negatives under the extra key `"negatives"`. The held-out part is chosen by a hash of
the snapshot's seed and the product id, so it is fixed per snapshot and reproducible.
"""
import hashlib
import json
import shutil
import time
import uuid
from collections import defaultdict
from pathlib import Path

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from catalog.models import NEGATIVE_STATUSES, Decision, Product, ProductLabel, Suggestion
from taxonomy.exporting import taxonomy_document
from taxonomy.models import Category
from taxonomy.names import split_path_key
from taxonomy.signals import current_revision

from .artifacts import artifact_checksum
from .inference import product_document
from .models import TrainingSnapshot
from .paging import in_pk_batches

# Products are read in batches of this many so memory stays flat with catalogue size.
SNAPSHOT_BATCH_SIZE = 2000
SNAPSHOT_FILES = ("taxonomy.json", "train.jsonl", "heldout.jsonl")
# A snapshot is written under this prefix and renamed when complete, so a worker killed while
# writing leaves a folder that is recognisably unfinished (and never registered).
PARTIAL_PREFIX = ".partial-"
# Unfinished folders older than this are removed by the daily sweep: no writer takes so long.
PARTIAL_MAX_AGE = 24 * 3600


def snapshot_root() -> Path:
    return Path(settings.ZOKUSEI_MODEL_DIR).parent / "snapshots"


def is_held_out(seed: int, product_id: int, fraction: float) -> bool:
    digest = hashlib.sha256(f"{seed}:{product_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64 < fraction


def create_snapshot(*, seed: int = 0, held_out_fraction: float | None = None) -> TrainingSnapshot:
    fraction = settings.ZOKUSEI_HELD_OUT_FRACTION if held_out_fraction is None else held_out_fraction
    # Everything decided up to this point is in; later decisions wait for the next snapshot.
    cutoff = timezone.now()
    last_decision_id = Decision.objects.filter(created_at__lte=cutoff).aggregate(m=Max("id"))["m"] or 0
    name = f"{cutoff:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:8]}"
    partial, folder = snapshot_root() / f"{PARTIAL_PREFIX}{name}", snapshot_root() / name
    partial.mkdir(parents=True)
    try:
        (partial / "taxonomy.json").write_text(json.dumps(taxonomy_document(), ensure_ascii=False), encoding="utf-8")
        counts = _write_products(partial, seed, fraction, cutoff)
        partial.rename(folder)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return TrainingSnapshot.objects.create(
        path=str(folder),
        checksum=artifact_checksum(folder),
        taxonomy_revision=current_revision(),
        seed=seed,
        last_decision_id=last_decision_id,
        **counts,
    )


def remove_partial_snapshots(max_age: float = PARTIAL_MAX_AGE) -> list[str]:
    """Remove snapshot folders left unfinished (their writer was killed) older than max_age."""
    removed = []
    root = snapshot_root()
    for folder in root.glob(f"{PARTIAL_PREFIX}*") if root.is_dir() else ():
        try:
            if time.time() - folder.stat().st_mtime > max_age:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(str(folder))
        except FileNotFoundError:
            pass  # removed by another sweep meanwhile
    return removed


def _write_products(folder: Path, seed: int, fraction: float, cutoff) -> dict:
    paths = {pk: key for pk, key in Category.objects.values_list("pk", "path_key")}
    counts = dict(product_count=0, train_count=0, heldout_count=0, positive_count=0, negative_count=0)
    with (folder / "train.jsonl").open("w", encoding="utf-8") as train, (
        folder / "heldout.jsonl"
    ).open("w", encoding="utf-8") as heldout:
        products = Product.objects.only("pk", "category_id", "title", "description")
        for batch in in_pk_batches(products, SNAPSHOT_BATCH_SIZE):
            positives, negatives = _labels_of(batch, cutoff)
            for product in batch:
                pos, neg = positives.get(product.pk, []), negatives.get(product.pk, [])
                if not pos and not neg:
                    continue  # unannotated: all-negative targets would teach the model to say nothing
                document = {**product_document(product, split_path_key(paths[product.category_id])), "labels": sorted(pos)}
                if neg:
                    document["negatives"] = sorted(neg)
                held = bool(pos) and is_held_out(seed, product.pk, fraction)
                (heldout if held else train).write(json.dumps(document, ensure_ascii=False) + "\n")
                counts["heldout_count" if held else "train_count"] += 1
                counts["product_count"] += 1
                counts["positive_count"] += len(pos)
                counts["negative_count"] += len(neg)
    return counts


def _labels_of(batch, cutoff):
    ids = [product.pk for product in batch]
    positives, negatives = defaultdict(list), defaultdict(list)
    for product_id, attribute, value in ProductLabel.objects.filter(product_id__in=ids, created_at__lte=cutoff).values_list(
        "product_id", "value__attribute__name", "value__name"
    ):
        positives[product_id].append([attribute, value])
    for product_id, attribute, value in Suggestion.objects.filter(product_id__in=ids, status__in=NEGATIVE_STATUSES, updated_at__lte=cutoff).values_list(
        "product_id", "value__attribute__name", "value__name"
    ):
        negatives[product_id].append([attribute, value])
    return positives, negatives


# Read here rather than with ml.xmc.data, which imports torch: web processes import this module.
def read_snapshot_products(snapshot: TrainingSnapshot, part: str) -> list[dict]:
    with (Path(snapshot.path) / f"{part}.jsonl").open(encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def read_snapshot_taxonomy(snapshot: TrainingSnapshot) -> dict:
    return json.loads((Path(snapshot.path) / "taxonomy.json").read_text(encoding="utf-8"))


def _annotations(product: dict) -> tuple:
    return (sorted(map(tuple, product.get("labels", []))), sorted(map(tuple, product.get("negatives", []))),
            product.get("category"), product.get("title"), product.get("description"))


def changed_since(earlier: TrainingSnapshot, products: list[dict]) -> list[dict] | None:
    """The products whose document (labels, negatives, category or text) differs from the one
    in `earlier`, or that it did not hold; None when `earlier`'s files are gone (pruned)."""
    folder = Path(earlier.path)
    if earlier.pruned_at is not None or not all((folder / f).is_file() for f in ("train.jsonl", "heldout.jsonl")):
        return None
    before = {}
    for part in ("train", "heldout"):
        for product in read_snapshot_products(earlier, part):
            before[product["id"]] = _annotations(product)
    return [p for p in products if before.get(p["id"]) != _annotations(p)]


def replay_sample(products: list[dict], exclude: list[dict], fraction: float, seed: int) -> list[dict]:
    """A fixed share of `products` not in `exclude`, chosen by a hash of the seed and the id."""
    skip = {p["id"] for p in exclude}
    return [p for p in products if p["id"] not in skip and is_held_out(seed + 1, p["id"], fraction)]
