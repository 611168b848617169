"""`make demo`: everything a newcomer needs to see the product working, in one command."""
import logging
import os
import socket
import sys
import threading
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from catalog.models import Product
from demo import steps
from demo.evaluation import score_withheld
from demo.processes import Services, raise_on_sigterm
from ml.models import RunStatus

GOAL = 0.8  # recall of the withheld labels, at precision, that the demo model must reach


class Command(BaseCommand):
    help = (
        "Set up and run the demo: migrate, generate and load a synthetic Japanese catalogue, train a small "
        "BERT from scratch with label masking, activate it, write suggestions, create demo users, then serve "
        "http://127.0.0.1:8000 with a Celery worker. Reruns reuse what exists. Ctrl+C stops everything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="address of the web server")
        parser.add_argument("--no-serve", action="store_true", help="set everything up, then exit instead of serving")
        parser.add_argument("--retrain", action="store_true", help="train a new model even if one is active")
        parser.add_argument("--epochs", type=int, help="training epochs instead of the demo's own setting (quick checks)")

    def handle(self, *args, addr, no_serve, retrain, epochs, **options):
        raise_on_sigterm()
        self.started = time.monotonic()
        # Before torch is first imported (OpenMP reads it once): with the default spinning
        # wait policy, two OpenMP threads on two cores that other processes also use trained
        # the demo model at 20 sequences/s instead of 1,200 (docs/benchmarks.md, "Demo").
        # The worker started later inherits it.
        os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        _quiet_libraries()
        try:
            self._set_up(retrain, epochs)
        except KeyboardInterrupt:
            self.stdout.write("\ninterrupted; nothing is left running")
            if threading.active_count() > 1:
                # A training or scoring thread still inside torch: leave without waiting for it
                # (an interpreter shutdown under it aborts noisily).
                sys.stdout.flush()
                os._exit(130)
            return
        self.stdout.write(f"set-up took {time.monotonic() - self.started:.0f} s")
        if not no_serve:
            self._serve(addr)

    # -- set-up ------------------------------------------------------------------------------
    def _set_up(self, retrain, epochs):
        self._step("database")
        call_command("migrate", interactive=False, verbosity=0)
        self._step("catalogue")
        if steps.ensure_catalog_files():
            self.stdout.write(f"  generated {steps.DEMO_SPEC.products} products in {steps.catalog_dir()}")
        loaded = steps.ensure_catalog_loaded()
        if loaded:
            products = loaded["products"]
            self.stdout.write(f"  imported {products['lines']} products ({products['labels_added']} labels)")
        else:
            self.stdout.write(f"  {Product.objects.count()} products already loaded")
        self._step("users")
        users = steps.ensure_users()
        version = None if retrain else steps.usable_version()
        if version is None:
            version = self._train(epochs)
        else:
            self._step("model")
            self.stdout.write(f"  reusing model version {version.pk} ({version.encoder})")
        if steps.needs_scoring(version):
            self._step("suggestions")
            with tqdm(total=100, desc="  scoring", unit="%", bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}") as bar:
                seconds = steps.activate_and_score(version, lambda fraction: _move(bar, 100 * fraction))
                _move(bar, 100)
            self.stdout.write(f"  model version {version.pk} active; catalogue scored in {seconds:.0f} s")
        self._report(version, users)

    def _train(self, epochs):
        steps.fail_interrupted_runs()
        self._step("encoder")
        encoder, parameters = steps.encoder_and_parameters(progress=lambda text: self.stdout.write(f"  {text}"))
        if epochs:
            parameters["epochs"] = epochs
        self.stdout.write(f"  {encoder}")
        self._step("training (label masking, CPU)")
        started = time.monotonic()
        with tqdm(total=100, desc="  training", unit="%", bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}<{remaining} {postfix}") as bar:
            def progress(run):
                _move(bar, run.percent)
                loss = run.loss_history[-1][1] if run.loss_history else None
                bar.set_postfix_str(f"{run.stage} epoch {run.epoch}/{run.total_epochs}" + (f" loss {loss:.3f}" if loss else ""))

            run = steps.train_in_process(parameters, progress)
            if run.status == RunStatus.SUCCEEDED:
                _move(bar, 100)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"training run {run.pk} {run.status}: {run.error}")
        self.stdout.write(f"  trained in {time.monotonic() - started:.0f} s (run {run.pk})")
        return run.model_version

    def _report(self, version, users):
        version.refresh_from_db()
        score = score_withheld(steps.catalog_dir() / "truth.jsonl", version)
        self._step("what the model found")
        self.stdout.write(
            f"  withheld labels found: {score.found} of {score.withheld} "
            f"(recall {100 * score.recall:.1f}%) at precision {100 * score.precision:.1f}% "
            f"({score.suggested} suggestions)"
        )
        if score.implied_withheld:
            self.stdout.write(
                f"  of which implied by a product line only: {score.implied_found} of {score.implied_withheld}"
            )
        met = score.recall >= GOAL and score.precision >= GOAL
        self.stdout.write(f"  goal ({GOAL:.0%} recall at {GOAL:.0%} precision): {'met' if met else 'NOT met'}")
        self._step("demo accounts (" + steps.DEMO_PASSWORDS_NOTE + ")")
        for username, password, role in users:
            self.stdout.write(f"  {username:<8} {password:<14} {role}")

    # -- serving -----------------------------------------------------------------------------
    def _serve(self, addr):
        host, _, port = addr.rpartition(":")
        if not _port_free(host or "127.0.0.1", int(port)):
            raise CommandError(f"{addr} is already in use: stop what runs there, or pass --addr 127.0.0.1:8001")
        steps.collect_static_files()
        services = Services(settings.BASE_DIR, steps.serving_environment())
        try:
            services.start_worker()
            services.start_server(addr)
            self.stdout.write(self.style.SUCCESS(
                f"\nZokusei demo at http://{addr}/ (synthetic demo data) with a Celery worker; Ctrl+C stops both."
            ))
            ended = services.wait()
            self.stderr.write(f"the {ended} stopped; stopping the rest")
        except KeyboardInterrupt:
            self.stdout.write("\nstopping the web server and the worker ...")
        finally:
            services.stop()
        self.stdout.write("stopped.")

    def _step(self, text):
        elapsed = int(time.monotonic() - self.started)
        self.stdout.write(self.style.MIGRATE_HEADING(f"• {text}") + f"  [{elapsed // 60}:{elapsed % 60:02d}]")


def _port_free(host, port):
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        # As runserver binds: a socket of a server stopped a moment ago (TIME_WAIT) is no obstacle.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host.strip("[]"), port))
        except OSError:
            return False
    return True


def _quiet_libraries():
    """Tasks run in this process during set-up; their per-task log lines, the tokenizer's
    warnings and the weight-loading bars would bury the demo's own progress bars."""
    logging.getLogger("celery").setLevel(logging.WARNING)
    logging.getLogger("kombu").setLevel(logging.ERROR)
    from transformers.utils import logging as transformers_logging

    transformers_logging.set_verbosity_error()
    transformers_logging.disable_progress_bar()


def _move(bar, percent):
    bar.n = min(float(percent), bar.total)
    bar.refresh()
