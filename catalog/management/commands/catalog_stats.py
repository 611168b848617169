from django.core.management.base import BaseCommand, CommandError

from catalog.models import Product, Seller
from catalog.stats import catalog_stats


class Command(BaseCommand):
    help = "Print the catalogue's statistics in the form of the seed paper's Table 2."

    def add_arguments(self, parser):
        parser.add_argument("--seller", help="only this seller's products (slug)")

    def handle(self, *args, seller=None, **options):
        products = Product.objects.all()
        if seller is not None:
            if not Seller.objects.filter(slug=seller).exists():
                raise CommandError(f"no seller {seller!r}")
            products = products.filter(seller__slug=seller)
        for line in catalog_stats(products).lines():
            self.stdout.write(line)
