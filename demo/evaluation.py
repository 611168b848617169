"""How many of the withheld labels the active model suggests, and how many of its
suggestions are withheld labels (the demo's recall and precision).

Ground truth is the generator's truth.jsonl: for each product, the true labels left out of
the import. A suggestion counts once whatever happened to it since (pending, accepted,
rejected, corrected); withdrawn ones do not count.
"""
import json
from dataclasses import dataclass, field
from pathlib import Path

from catalog.models import Product, Suggestion, SuggestionStatus


@dataclass
class WithheldScore:
    withheld: int = 0
    suggested: int = 0
    found: int = 0
    implied_withheld: int = 0
    implied_found: int = 0
    by_attribute: dict = field(default_factory=dict)  # attribute -> [withheld, found, suggested]

    @property
    def recall(self) -> float:
        return self.found / self.withheld if self.withheld else 0.0

    @property
    def precision(self) -> float:
        return self.found / self.suggested if self.suggested else 0.0


def read_truth(path: Path) -> dict:
    """(seller slug, product id) -> (withheld labels, labels implied by a product line)."""
    truth = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            product = json.loads(line)
            key = (product.get("seller") or "", product["id"])
            truth[key] = ({tuple(pair) for pair in product["withheld"]}, {tuple(pair) for pair in product.get("implied", [])})
    return truth


def score_withheld(truth_path: Path, version) -> WithheldScore:
    truth = read_truth(truth_path)
    keys = dict(
        ((pk, (slug, external_id)) for pk, slug, external_id in
         Product.objects.values_list("pk", "seller__slug", "external_id"))
    )
    suggested: dict[tuple, set] = {}
    rows = (
        Suggestion.objects.filter(model_version=version)
        .exclude(status=SuggestionStatus.WITHDRAWN)
        .values_list("product_id", "value__attribute__name", "value__name")
    )
    for product_id, attribute, value in rows.iterator(chunk_size=5000):
        key = keys.get(product_id)
        if key in truth:
            suggested.setdefault(key, set()).add((attribute, value))
    score = WithheldScore()
    for key, (withheld, implied) in truth.items():
        made = suggested.get(key, set())
        score.withheld += len(withheld)
        score.suggested += len(made)
        score.found += len(made & withheld)
        score.implied_withheld += len(withheld & implied)
        score.implied_found += len(made & withheld & implied)
        for attribute, _ in withheld:
            score.by_attribute.setdefault(attribute, [0, 0, 0])[0] += 1
        for attribute, _ in made & withheld:
            score.by_attribute[attribute][1] += 1
        for attribute, _ in made:
            score.by_attribute.setdefault(attribute, [0, 0, 0])[2] += 1
    return score
