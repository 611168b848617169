import sys

from django.core.management.base import BaseCommand, CommandError

from catalog.exporting import export_products
from catalog.importing import file_format_of
from catalog.models import Product, Seller


class Command(BaseCommand):
    help = "Export products as JSONL (docs/formats.md) or CSV (catalog/csvfiles.py) to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="output file; '-' (default) for standard output")
        parser.add_argument("--seller", help="only this seller's products (slug)")
        parser.add_argument(
            "--format", dest="file_format", choices=["jsonl", "csv"], help="file format (default: from the name: .csv is CSV)"
        )

    def handle(self, *args, path, seller=None, file_format=None, **options):
        file_format = file_format or file_format_of(path)
        products = Product.objects.all()
        if seller is not None:
            if not Seller.objects.filter(slug=seller).exists():
                raise CommandError(f"no seller {seller!r}")
            products = products.filter(seller__slug=seller)
        if path == "-":
            export_products(sys.stdout, products, file_format)
            return
        with open(path, "w", encoding="utf-8", newline="") as out:
            count = export_products(out, products, file_format)
        self.stderr.write(f"wrote {count} products to {path}")
