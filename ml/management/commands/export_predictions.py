"""Write the stored suggestions in the predictions format of docs/formats.md (for bench/score.py)."""
import json
from collections import defaultdict

from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product, Suggestion, SuggestionStatus
from ml.models import ModelVersion
from ml.paging import in_pk_batches

# Products are read in batches of this many so memory stays flat with catalogue size.
BATCH_SIZE = 2000


class Command(BaseCommand):
    help = (
        "Export the suggestions of a model version (default: the active one) as predictions JSONL: one line per "
        "product with the scores of its suggested labels and, under \"predicted\", those labels (the model's own "
        "decisions). Suggestions that were accepted count as predicted too; rejected and withdrawn ones do not."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="file to write")
        parser.add_argument("--model-version", type=int, help="model version id (default: the active one)")
        parser.add_argument("--seller", help="only this seller's products (ids are unique per seller)")

    def handle(self, *args, out, model_version=None, seller=None, **options):
        version = self._version(model_version)
        products = Product.objects.all()
        if seller:
            products = products.filter(seller__slug=seller)
        elif Product.objects.values("seller").distinct().count() > 1:
            self.stderr.write("warning: several sellers; product ids may repeat across them (use --seller)")
        statuses = (SuggestionStatus.PENDING, SuggestionStatus.ACCEPTED)
        written = 0
        with open(out, "w", encoding="utf-8") as stream:
            for batch in in_pk_batches(products.values_list("pk", "external_id"), BATCH_SIZE):
                scored = defaultdict(list)
                for product_id, attribute, value, score in Suggestion.objects.filter(
                    product_id__in=[pk for pk, _ in batch], model_version=version, status__in=statuses
                ).values_list("product_id", "value__attribute__name", "value__name", "score"):
                    scored[product_id].append([attribute, value, score])
                for pk, external_id in batch:
                    rows = sorted(scored[pk], key=lambda row: (-row[2], row[0], row[1]))
                    line = {"id": external_id, "scores": rows, "predicted": [[a, v] for a, v, _ in rows]}
                    stream.write(json.dumps(line, ensure_ascii=False) + "\n")
                    written += 1
        self.stdout.write(f"wrote {written} products' predictions of model version {version.pk} to {out}")

    def _version(self, version_id):
        if version_id is None:
            version = ModelVersion.objects.filter(is_active=True).first()
            if version is None:
                raise CommandError("no model version is active; pass --version")
            return version
        version = ModelVersion.objects.filter(pk=version_id).first()
        if version is None:
            raise CommandError(f"model version {version_id} does not exist")
        return version
