"""Tiny data and a tiny from-scratch BERT (random weights, WordPiece vocabulary built from the
test texts, Japanese pre-tokenised with fugashi + unidic-lite), loaded through from_pretrained."""
import os
import random

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

TAXONOMY = {
    "attributes": [
        {"name": "Color", "values": [{"name": "red", "aliases": ["赤"]}, {"name": "blue"}, {"name": "black"}]},
        {"name": "Shoe size (cm)", "values": [{"name": "25.0"}, {"name": "26.0"}]},
        {"name": "Material", "values": [{"name": "leather"}, {"name": "cotton"}]},
        {"name": "Sleeve", "values": [{"name": "long"}, {"name": "short"}]},
    ],
    "categories": [
        {"path": ["Shoes"], "attributes": {"Color": "*"}},
        {"path": ["Shoes", "Sneakers"], "attributes": {"Shoe size (cm)": ["25.0", "26.0"]}},
        {"path": ["Shoes", "Boots"], "attributes": {"Material": ["leather"]}},
        {"path": ["Clothes", "Shirts"], "attributes": {"Color": ["red", "blue"], "Material": "*",
                                                       "Sleeve": "*"}},
    ],
}

WORDS = {
    ("Color", "red"): ["赤い", "red"], ("Color", "blue"): ["青い", "blue"], ("Color", "black"): ["黒い", "black"],
    ("Shoe size (cm)", "25.0"): ["25cm"], ("Shoe size (cm)", "26.0"): ["26cm"],
    ("Material", "leather"): ["レザー", "leather"], ("Material", "cotton"): ["綿", "cotton"],
    ("Sleeve", "long"): ["長袖"], ("Sleeve", "short"): ["半袖"],
}
CATEGORY_WORDS = {("Shoes", "Sneakers"): "スニーカー", ("Shoes", "Boots"): "ブーツ", ("Clothes", "Shirts"): "シャツ"}
CATEGORY_LABELS = {
    ("Shoes", "Sneakers"): [[("Color", v) for v in ("red", "blue", "black")], [("Shoe size (cm)", "25.0"), ("Shoe size (cm)", "26.0")]],
    ("Shoes", "Boots"): [[("Color", v) for v in ("red", "blue", "black")], [("Material", "leather")]],
    ("Clothes", "Shirts"): [[("Color", "red"), ("Color", "blue")], [("Material", "leather"), ("Material", "cotton")],
                            [("Sleeve", "long"), ("Sleeve", "short")]],
}


def make_products(n, seed=0, prefix="p"):
    rng = random.Random(seed)
    out = []
    cats = list(CATEGORY_LABELS)
    for i in range(n):
        cat = cats[i % len(cats)]
        labels = [rng.choice(group) for group in CATEGORY_LABELS[cat]]
        words = [rng.choice(WORDS[l]) for l in labels] + [CATEGORY_WORDS[cat]]
        rng.shuffle(words)
        out.append({"id": f"{prefix}{i}", "category": list(cat), "title": " ".join(words),
                    "description": "送料無料" if i % 2 else "", "labels": [list(l) for l in labels]})
    return out


@pytest.fixture(scope="session")
def taxonomy():
    return TAXONOMY


@pytest.fixture(scope="session")
def products():
    return make_products(48)


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory):
    from ml.xmc.scratch import build_scratch_encoder
    texts = [p["title"] for p in make_products(200, seed=1)] + ["送料無料"]
    return build_scratch_encoder(texts, tmp_path_factory.mktemp("enc"), hidden_size=32, layers=2, heads=2,
                                 vocab_size=200, max_position_embeddings=64)


@pytest.fixture(scope="session")
def make_tiny_config(tiny_encoder):
    """A factory of TrainConfigs for the tiny encoder: small, fast, CPU, fp32; keyword arguments override."""
    from ml.xmc.config import TrainConfig

    def make(**overrides):
        options = dict(encoder=tiny_encoder, max_length=32, layers=2, epochs=2, batch_size=8, lr=1e-3,
                       head_lr=1e-2, device="cpu", bf16=False, validation_fraction=0.25,
                       min_attribute_positives=3)
        return TrainConfig(**{**options, **overrides})
    return make


@pytest.fixture()
def tiny_config(make_tiny_config):
    return make_tiny_config(log_every=1)


@pytest.fixture(scope="session")
def trained_model(tmp_path_factory, make_tiny_config, taxonomy, products):
    from ml.xmc.train import train
    out = tmp_path_factory.mktemp("model")
    train(taxonomy, products, make_tiny_config(), out)
    return out
