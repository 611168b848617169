"""The steps of `manage.py demo`, each one reusing what an earlier run left behind.

The demo goes through the same code real data does: the catalogue is imported with the
import functions, training is a TrainingRun of the pipeline (ml.runs / ml.tasks), the new
version is activated with ml.versions and scores the catalogue into Suggestions.
"""
import json
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.db import close_old_connections
from django.utils import timezone

from accounts.models import User
from catalog.models import Product, Seller, Suggestion
from ml.models import ModelVersion, RunStatus, TrainingRun

from . import lexicon
from .generator import CatalogSpec, write_catalog
from .loading import load_catalog

# The demo catalogue: small enough to train on 2 CPU cores in about three minutes, large
# enough that the model learns aliases and product lines rather than memorising products
# (3,000 products: the withheld labels, negatives in training, were memorised; see
# docs/benchmarks.md, "Demo").
DEMO_SPEC = CatalogSpec(products=15000, seed=0)

# The small BERT built from scratch (ml.xmc.scratch): two layers of 128 are what fits the
# three-minute budget on two CPU cores while still learning aliases and product lines.
SCRATCH_ENCODER = {"hidden_size": 128, "layers": 2, "heads": 4, "vocab_size": 4000, "max_position_embeddings": 128}

# TrainConfig of the demo run with the scratch encoder. A randomly initialised encoder needs
# far more epochs and a higher learning rate than a pretrained one (measured: docs/benchmarks.md).
SCRATCH_TRAINING = {
    "layers": 2,          # [CLS] of both layers of the scratch encoder
    "max_length": 48,     # demo titles + descriptions are about 23 tokens, 53 at most
    "epochs": 10,         # more epochs start memorising the withheld labels (16: recall 0.69 vs 0.82 at 12)
    "batch_size": 32,
    "lr": 1e-3,           # 5x the pretrained default: from scratch, 2e-4 barely moves in 10 epochs
    "head_lr": 1e-2,
    "bf16": True,         # AMX: about 1.7x faster than fp32 even at this size
}
# With a pretrained encoder named by ZOKUSEI_DEMO_ENCODER: the project's defaults, fewer epochs.
PRETRAINED_TRAINING = {"epochs": 3}

DEMO_PASSWORDS_NOTE = "fixed passwords, for a local demo only; sellers review suggestions, staff train"
DEMO_USERS = [
    # username, password, role, seller slug
    ("sakura", "sakura-demo", "seller", lexicon.SELLERS[0][0]),
    ("kaze", "kaze-demo", "seller", lexicon.SELLERS[1][0]),
    ("staff", "staff-demo", "staff", None),
    ("admin", "admin-demo", "admin", None),
]


def demo_dir() -> Path:
    return Path(settings.VAR_DIR) / "demo"


def catalog_dir() -> Path:
    return demo_dir() / "catalog"


def ensure_catalog_files(spec: CatalogSpec | None = None) -> bool:
    """Generate the catalogue files unless the same spec already wrote them. True if written."""
    spec = spec or DEMO_SPEC
    folder = catalog_dir()
    manifest = folder / "spec.json"
    wanted = json.dumps(asdict(spec), sort_keys=True)
    if manifest.exists() and manifest.read_text(encoding="utf-8") == wanted and (folder / "truth.jsonl").exists():
        return False
    write_catalog(folder, spec)
    manifest.write_text(wanted, encoding="utf-8")
    return True


def ensure_catalog_loaded(spec: CatalogSpec | None = None) -> dict | None:
    """Import the catalogue unless its products are all there already (imports are upserts,
    so a partial earlier load is completed without duplicates)."""
    spec = spec or DEMO_SPEC
    slugs = [slug for slug, _ in lexicon.SELLERS[: spec.sellers]]
    if Product.objects.filter(seller__slug__in=slugs).count() >= spec.products:
        return None
    return load_catalog(catalog_dir())


def ensure_users() -> list[tuple[str, str, str]]:
    """The four demo accounts, with their documented passwords; (username, password, role)."""
    out = []
    for username, password, role, seller_slug in DEMO_USERS:
        user, _ = User.objects.get_or_create(username=username)
        user.seller = Seller.objects.get(slug=seller_slug) if seller_slug else None
        user.is_staff = role in ("staff", "admin")
        user.is_superuser = role == "admin"
        user.set_password(password)
        user.save()
        shown = f"seller ({user.seller.name})" if user.seller else role
        out.append((username, password, shown))
    return out


def encoder_and_parameters(progress=print) -> tuple[str, dict]:
    """The encoder to train (ZOKUSEI_DEMO_ENCODER, or a small BERT built from scratch on the
    demo catalogue's text) and the TrainConfig options that go with it."""
    named = getattr(settings, "ZOKUSEI_DEMO_ENCODER", None) or os.environ.get("ZOKUSEI_DEMO_ENCODER")
    if named:
        return named, {"encoder": named, **PRETRAINED_TRAINING}
    folder = demo_dir() / "encoder"
    if not (folder / "config.json").exists():
        from ml.xmc.scratch import build_scratch_encoder

        progress("building a WordPiece vocabulary and a small BERT from scratch (no download)")
        texts = []
        with open(catalog_dir() / "products.jsonl", encoding="utf-8") as lines:
            for line in lines:
                product = json.loads(line)
                texts.append(f"{product['title']} {product['description']}")
        build_scratch_encoder(texts, folder, seed=DEMO_SPEC.seed, **SCRATCH_ENCODER)
    return str(folder), {"encoder": str(folder), **SCRATCH_TRAINING}


def usable_version() -> ModelVersion | None:
    """The active version, or else the newest one a finished run left behind."""
    return ModelVersion.objects.filter(is_active=True).first() or ModelVersion.objects.order_by("-created_at").first()


def fail_interrupted_runs() -> int:
    """Runs trained in-process (worker "local") whose process is gone are marked failed: an
    interrupted demo must not leave a run that looks alive until the heartbeat timeout."""
    from ml.runs import HEARTBEAT_INTERVAL

    silent_since = timezone.now() - timedelta(seconds=3 * HEARTBEAT_INTERVAL)
    return TrainingRun.objects.filter(status=RunStatus.RUNNING, worker="local", heartbeat_at__lt=silent_since).update(
        status=RunStatus.FAILED, finished_at=timezone.now(), error="interrupted (the demo was stopped)", stage="failed"
    )


def train_in_process(parameters: dict, on_progress) -> TrainingRun:
    """A pipeline training run, trained in this process (no worker is running yet), with
    on_progress(run) called about twice a second. Ctrl+C cancels the run and re-raises."""
    from ml import runs
    from ml.training import start_training_thread

    run = runs.start_training_run(None, parameters, enqueue=False)
    thread = start_training_thread(run.pk)
    try:
        while thread.is_alive():
            thread.join(0.5)
            on_progress(TrainingRun.objects.get(pk=run.pk))
    except KeyboardInterrupt:
        runs.request_cancel(run.pk)
        thread.join(15)  # the trainer checks the flag with each progress report
        # Still busy (tokenising, evaluating): record the end now, the process is going away.
        runs.finish_run(run.pk, RunStatus.CANCELLED, error="interrupted (the demo was stopped)", stage="cancelled")
        raise
    return TrainingRun.objects.select_related("model_version").get(pk=run.pk)


@contextmanager
def tasks_in_process():
    """Celery tasks sent inside the block run at once in this process (no worker yet)."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def activate_and_score(version: ModelVersion, on_progress) -> float:
    """Activate the version; its scoring of the catalogue runs here, on_progress(fraction of
    products with a suggestion) about twice a second. Returns the seconds it took."""
    from ml.versions import activate_version

    started = time.monotonic()
    total = Product.objects.count() or 1
    errors = []

    def work():
        try:
            with tasks_in_process():
                if version.is_active:
                    from ml.tasks import score_catalogue

                    score_catalogue.run(version.pk)
                else:
                    activate_version(version.pk, None)
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            close_old_connections()

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.5)
        scored = Suggestion.objects.filter(model_version=version).values("product").distinct().count()
        on_progress(min(1.0, scored / total))
    if errors:
        raise errors[0]
    return time.monotonic() - started


def needs_scoring(version: ModelVersion) -> bool:
    return not version.is_active or not Suggestion.objects.filter(model_version=version).exists()


def serving_environment() -> dict:
    """The environment of the demo's web server and worker: the demo banner on, and DEBUG off
    whatever the shell says, so that a visitor gets the site's own error pages, never Django's
    debug pages (which show settings and code)."""
    # Offline: the demo never downloads (its encoder is built locally), and a staff run naming a
    # hub encoder is told so before it is queued (ml.runs.encoder_load_problem).
    return dict(os.environ, ZOKUSEI_DEMO="1", DEBUG="0", DJANGO_SETTINGS_MODULE="config.settings", HF_HUB_OFFLINE="1")


def collect_static_files() -> None:
    """With DEBUG off, runserver serves no static files; WhiteNoise serves STATIC_ROOT, which
    this fills (on a rerun, only changed files are copied)."""
    call_command("collectstatic", interactive=False, verbosity=0)
