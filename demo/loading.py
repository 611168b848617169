"""Loading a generated catalogue into the database, through the same imports real data uses."""
from pathlib import Path

from catalog.importing import import_products
from catalog.models import Seller
from taxonomy.importing import import_taxonomy

from . import lexicon


def load_catalog(folder: Path, on_progress=None) -> dict:
    """Import folder/taxonomy.json then folder/products.jsonl (upserts: loading twice changes
    nothing), and give the demo sellers their Japanese shop names."""
    folder = Path(folder)
    with open(folder / "taxonomy.json", "rb") as file:
        taxonomy = import_taxonomy(file, name=str(folder / "taxonomy.json"))
    with open(folder / "products.jsonl", "rb") as file:
        products = import_products(file, name=str(folder / "products.jsonl"), on_progress=on_progress)
    for slug, name in lexicon.SELLERS:
        Seller.objects.filter(slug=slug, name=slug).update(name=name)
    return {"taxonomy": taxonomy.as_dict(), "products": products.as_dict()}
