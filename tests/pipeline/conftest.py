"""A small Japanese catalogue, a tiny BERT built on the fly, and a real Celery worker."""
import io
import itertools
import json
import os
import time
from pathlib import Path

import pytest

from catalog.models import LabelSource, Product, ProductLabel, Seller
from taxonomy.importing import import_taxonomy
from taxonomy.models import AttributeValue, Category

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def wait_for(condition, timeout=240, interval=0.2, what="condition"):
    """Poll until condition() is truthy (returning it); fail after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")

SHOE_COLOURS = ["レッド", "ブルー", "ブラック"]
SHOE_SIZES = ["25.0", "26.0", "27.0"]
TV_COLOURS = ["ブラック", "ホワイト"]
TV_SIZES = ["32型", "55型"]

# Few, short epochs on a tiny encoder: the tests check the pipeline, not the model's quality;
# a low fixed threshold makes sure the model suggests something to check.
TINY_TRAINING = {
    "epochs": 3, "batch_size": 8, "max_length": 32, "layers": 2, "lr": 1e-3, "head_lr": 1e-2,
    "threshold_strategy": "fixed", "threshold": 0.05, "bf16": False, "device": "cpu", "seed": 0,
}


def _texts():
    return [f"スニーカー {c} {s}cm 軽量" for c, s in itertools.product(SHOE_COLOURS, SHOE_SIZES)] + [
        f"液晶テレビ {c} {s} 4K" for c, s in itertools.product(TV_COLOURS, TV_SIZES)
    ]


@pytest.fixture(scope="session")
def tiny_encoder(tmp_path_factory):
    from ml.xmc.scratch import build_scratch_encoder

    folder = tmp_path_factory.mktemp("tiny-encoder")
    return str(build_scratch_encoder(_texts() * 4, folder, hidden_size=32, layers=2, heads=2, japanese=True))


@pytest.fixture
def model_dir(tmp_path, settings):
    settings.ZOKUSEI_MODEL_DIR = tmp_path / "models"
    return settings.ZOKUSEI_MODEL_DIR


@pytest.fixture
def training_parameters(tiny_encoder, settings):
    # Staff may name a local encoder only under ZOKUSEI_ENCODER_DIRS (ml/runs.py).
    settings.ZOKUSEI_ENCODER_DIRS = [*settings.ZOKUSEI_ENCODER_DIRS, Path(tiny_encoder).parent]
    return {**TINY_TRAINING, "encoder": tiny_encoder}


class Catalogue:
    """Two leaf categories with different relevant labels; each product has some labels, some
    products none (those are the ones suggestions are for)."""

    def __init__(self):
        self.seller = Seller.objects.create(slug="shop-a", name="Shop A")
        # The taxonomy goes in through the real import, from the same document the tiny model is
        # trained on (catalogue_taxonomy).
        import_taxonomy(io.BytesIO(json.dumps(catalogue_taxonomy(), ensure_ascii=False).encode("utf-8")))
        self.sneakers = Category.objects.get(name="スニーカー")
        self.tvs = Category.objects.get(name="テレビ")
        self.values = {(v.attribute.name, v.name): v for v in AttributeValue.objects.select_related("attribute")}
        self.products = []
        number = itertools.count(1)
        for repeat in range(3):
            for colour_name, size in itertools.product(SHOE_COLOURS, SHOE_SIZES):
                labelled = repeat < 2
                self._product(next(number), self.sneakers, f"スニーカー {colour_name} {size}cm 軽量",
                              [("カラー", colour_name), ("靴サイズ(cm)", size)] if labelled else [])
            for colour_name, size in itertools.product(TV_COLOURS, TV_SIZES):
                labelled = repeat < 2
                self._product(next(number), self.tvs, f"液晶テレビ {colour_name} {size} 4K",
                              [("カラー", colour_name), ("画面サイズ", size)] if labelled else [])

    def _product(self, number, category, title, labels):
        product = Product.objects.create(
            seller=self.seller, external_id=f"P-{number:03d}", category=category, title=title, description=""
        )
        for pair in labels:
            ProductLabel.objects.create(product=product, value=self.values[pair], source=LabelSource.IMPORT)
        self.products.append(product)


@pytest.fixture
def catalogue(db):
    return Catalogue()


@pytest.fixture
def active_version(registered_version, eager_celery, catalogue, django_capture_on_commit_callbacks):
    """A registered version, activated: the catalogue scored by it (eager tasks, on commit)."""
    from ml import versions

    version = registered_version("active")
    with django_capture_on_commit_callbacks(execute=True):
        versions.activate_version(version.pk)
    return version


@pytest.fixture
def eager_celery(settings):
    """Tasks run inline where they are sent (for tests that are not about the worker)."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = False


# A Redis URL on a port where nothing listens: every connection is refused at once.
UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"


@pytest.fixture
def unreachable_broker(monkeypatch):
    """The Celery app's broker is unreachable for the test (then restored)."""
    from config.celery import app
    from conftest import reset_broker_connections

    url, options = app.conf.broker_url, app.conf.broker_transport_options
    # Celery reads the CELERY_BROKER_URL environment variable before its own setting (CI sets it).
    monkeypatch.setenv("CELERY_BROKER_URL", UNREACHABLE_BROKER)
    app.conf.broker_url, app.conf.broker_transport_options = UNREACHABLE_BROKER, {}
    reset_broker_connections(app)
    yield app
    monkeypatch.undo()
    app.conf.broker_url, app.conf.broker_transport_options = url, options
    reset_broker_connections(app)


@pytest.fixture
def celery_worker(isolated_broker):
    """A real Celery worker (in a thread) consuming every queue of the configured broker.

    Messages left on the broker by earlier tests (tasks sent on commit) are purged first.
    """
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    with app.connection_for_write() as connection:
        for queue in ("default", "training", "inference"):
            connection.default_channel.queue_declare(queue=queue, durable=True, auto_delete=False)
            connection.default_channel.queue_purge(queue)
    with start_worker(
        app, pool="solo", perform_ping_check=False, queues=["default", "training", "inference"],
        shutdown_timeout=60,
    ) as worker:
        yield worker


def catalogue_taxonomy() -> dict:
    """The Catalogue's taxonomy in the format of docs/formats.md."""
    return {
        "attributes": [
            {"name": "カラー", "values": [{"name": n} for n in sorted(set(SHOE_COLOURS + TV_COLOURS))]},
            {"name": "靴サイズ(cm)", "values": [{"name": n} for n in SHOE_SIZES]},
            {"name": "画面サイズ", "values": [{"name": n} for n in TV_SIZES]},
        ],
        "categories": [
            {"path": ["靴"], "attributes": {"カラー": SHOE_COLOURS}},
            {"path": ["靴", "スニーカー"], "attributes": {"靴サイズ(cm)": "*"}},
            {"path": ["家電"], "attributes": {"カラー": TV_COLOURS}},
            {"path": ["家電", "テレビ"], "attributes": {"画面サイズ": "*"}},
        ],
    }


def catalogue_training_products() -> list[dict]:
    products = []
    for colour, size in itertools.product(SHOE_COLOURS, SHOE_SIZES):
        for copy in range(2):
            products.append({"id": f"s-{colour}-{size}-{copy}", "category": ["靴", "スニーカー"],
                             "title": f"スニーカー {colour} {size}cm 軽量", "description": "",
                             "labels": [["カラー", colour], ["靴サイズ(cm)", size]]})
    for colour, size in itertools.product(TV_COLOURS, TV_SIZES):
        for copy in range(2):
            products.append({"id": f"t-{colour}-{size}-{copy}", "category": ["家電", "テレビ"],
                             "title": f"液晶テレビ {colour} {size} 4K", "description": "",
                             "labels": [["カラー", colour], ["画面サイズ", size]]})
    return products


@pytest.fixture(scope="session")
def trained_artifact(tmp_path_factory, tiny_encoder):
    """One tiny model trained on the catalogue's data, shared by the tests that only use it."""
    from ml.xmc.config import TrainConfig
    from ml.xmc.train import train

    folder = tmp_path_factory.mktemp("trained") / "model"
    config = TrainConfig.from_dict({**TINY_TRAINING, "encoder": tiny_encoder})
    train(catalogue_taxonomy(), catalogue_training_products(), config, folder)
    return folder


@pytest.fixture
def registered_version(db, trained_artifact, model_dir):
    """A model version (not yet active) whose artifact is a private copy of the trained one."""
    import shutil

    from ml.versions import register_version

    def register(name="v"):
        folder = Path(model_dir) / name
        shutil.copytree(trained_artifact, folder)
        return register_version(run=None, artifact_dir=folder, encoder="tiny", label_count=9,
                                taxonomy_revision=0, metrics={"micro_f1": 0.5})

    return register
