"""write_catalog: a catalogue streamed to its four files, so memory stays flat at any size."""
from __future__ import annotations

import json
from pathlib import Path

from .products import iter_products
from .spec import CatalogSpec
from .stats import CatalogStats
from .taxonomy import build_taxonomy


def write_catalog(out_dir: Path, spec: CatalogSpec, progress=None) -> CatalogStats:
    """taxonomy.json, products.jsonl (true labels minus the withheld ones), truth.jsonl (all
    true labels, and which were withheld) and stats.txt under out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    taxonomy = build_taxonomy(spec)
    _write_json(out_dir / "taxonomy.json", taxonomy.to_json())
    relevant_counts = {leaf.path: leaf.relevant_count for leaf in taxonomy.leaves}
    stats = CatalogStats()
    with open(out_dir / "products.jsonl.part", "w", encoding="utf-8") as products, \
            open(out_dir / "truth.jsonl.part", "w", encoding="utf-8") as truth:
        for product in iter_products(taxonomy, spec):
            withheld = product["withheld"]
            imported = dict(product, labels=[pair for pair in product["labels"] if pair not in withheld])
            del imported["withheld"], imported["implied"]
            products.write(json.dumps(imported, ensure_ascii=False) + "\n")
            truth.write(json.dumps(product, ensure_ascii=False) + "\n")
            stats.add(product, relevant_counts[tuple(product["category"])])
            if progress is not None and stats.products % 10_000 == 0:
                progress(stats.products, spec.products)
    # Renamed only when complete, so a present products.jsonl is never a half-written one.
    (out_dir / "products.jsonl.part").replace(out_dir / "products.jsonl")
    (out_dir / "truth.jsonl.part").replace(out_dir / "truth.jsonl")
    (out_dir / "stats.txt").write_text("\n".join(stats.lines(taxonomy, spec)) + "\n", encoding="utf-8")
    return stats


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False, indent=1)
        handle.write("\n")
