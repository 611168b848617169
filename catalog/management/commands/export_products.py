import sys

from django.core.management.base import BaseCommand, CommandError

from catalog.exporting import export_products
from catalog.models import Product, Seller


class Command(BaseCommand):
    help = "Export products as JSONL (FORMATS.md) to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="output file; '-' (default) for standard output")
        parser.add_argument("--seller", help="only this seller's products (slug)")

    def handle(self, *args, path, seller=None, **options):
        products = Product.objects.all()
        if seller is not None:
            if not Seller.objects.filter(slug=seller).exists():
                raise CommandError(f"no seller {seller!r}")
            products = products.filter(seller__slug=seller)
        if path == "-":
            export_products(sys.stdout, products)
            return
        with open(path, "w", encoding="utf-8") as out:
            count = export_products(out, products)
        self.stderr.write(f"wrote {count} products to {path}")
