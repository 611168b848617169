import resource
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from demo.generator import PAPER_SCALE, CatalogSpec, spec_with, write_catalog


class Command(BaseCommand):
    help = (
        "Write a synthetic Japanese catalogue (taxonomy.json, products.jsonl, truth.jsonl with the "
        "withheld labels, stats.txt) in the formats of docs/formats.md; --load imports it."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", type=Path, default=None, help="folder to write (default: var/demo/catalog)")
        parser.add_argument("--products", type=int, help="number of products (default 15000, the demo catalogue)")
        parser.add_argument("--top-categories", type=int, help="top categories (default: the hand-written 8)")
        parser.add_argument("--leaf-categories", type=int, help="leaf categories (default: the hand-written 41)")
        parser.add_argument("--attributes", type=int, help="attributes (default: those the leaves use)")
        parser.add_argument("--labels", type=int, help="attribute-value pairs in all")
        parser.add_argument("--relevant-labels", type=float, help="mean relevant labels per product to aim for")
        parser.add_argument("--positive-labels", type=float, help="mean true labels per product (default 4.5)")
        parser.add_argument("--withheld", type=float, help="fraction of true labels withheld from the import (0.25)")
        parser.add_argument("--sellers", type=int, help="number of sellers (default 2)")
        parser.add_argument("--seed", type=int, help="random seed (default 0); same seed, same files")
        parser.add_argument(
            "--paper-scale", action="store_true",
            help="the seed paper's Table 2: 2M products, 38 top / 6,796 leaf categories, 1,300 attributes, "
            "7,979 labels, 4.42 positive and about 489 relevant labels per product (other options override)",
        )
        parser.add_argument("--load", action="store_true", help="import the taxonomy and products afterwards")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        spec = spec_with(
            PAPER_SCALE if options["paper_scale"] else CatalogSpec(),
            products=options["products"], top_categories=options["top_categories"],
            leaf_categories=options["leaf_categories"], attributes=options["attributes"], labels=options["labels"],
            relevant_labels=options["relevant_labels"], positive_labels=options["positive_labels"],
            withheld_fraction=options["withheld"], sellers=options["sellers"], seed=options["seed"],
        )
        self._check(spec)
        out = options["out"] or Path(settings.VAR_DIR) / "demo" / "catalog"
        started = time.monotonic()
        with tqdm(total=spec.products, unit=" products", disable=options["no_progress"]) as bar:
            stats = write_catalog(out, spec, progress=lambda done, total: bar.update(done - bar.n))
            bar.update(spec.products - bar.n)
        elapsed = time.monotonic() - started
        # ru_maxrss is in KiB on Linux.
        peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.stdout.write((out / "stats.txt").read_text(encoding="utf-8"))
        self.stdout.write(
            f"wrote {stats.products} products to {out} in {elapsed:.1f} s "
            f"({stats.products / max(elapsed, 1e-9):.0f}/s), peak memory {peak_mib:.0f} MiB"
        )
        if options["load"]:
            from demo.loading import load_catalog

            result = load_catalog(out)
            self.stdout.write(f"loaded: {result}")

    def _check(self, spec):
        for name in ("products", "top_categories", "leaf_categories", "attributes", "labels", "sellers"):
            value = getattr(spec, name)
            if value is not None and value < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be at least 1")
        if not 0 <= spec.withheld_fraction < 1:
            raise CommandError("--withheld must be a fraction in [0, 1)")
        if spec.positive_labels < 1:
            raise CommandError("--positive-labels must be at least 1")
