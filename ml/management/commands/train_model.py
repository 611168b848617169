"""Start a training run from the command line, and optionally follow it to the end."""
import argparse
import json
import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from ml import runs, versions
from ml.models import RunStatus, TrainingRun
from ml.xmc.cli import add_train_options, train_options_from_args

# How often --wait polls the run's row (seconds).
POLL_INTERVAL = 1.0


class Command(BaseCommand):
    help = (
        "Start a training run on the current catalogue (queued on the Celery 'training' queue). "
        "Options are those of `python -m ml.xmc train`."
    )

    def add_arguments(self, parser):
        # The options of `python -m ml.xmc train`, from its own table (ml/xmc/cli.py); unset
        # ones take the run's defaults (ZOKUSEI_DEFAULT_ENCODER, ZOKUSEI_DEVICE, TrainConfig).
        add_train_options(parser)
        parser.add_argument(
            "--set", action="append", default=[], metavar="KEY=VALUE",
            help="any other ml.xmc TrainConfig option, e.g. --set threshold_strategy=global (value parsed as JSON when it can be)",
        )
        parser.add_argument("--wait", action="store_true", help="follow the run with a progress bar until it ends")
        parser.add_argument("--activate", action="store_true", help="activate the new model version when the run succeeds (implies --wait)")
        parser.add_argument(
            "--in-process", action="store_true",
            help="train in this process instead of on a Celery worker (implies --wait); for machines without a worker",
        )

    def handle(self, *args, **options):
        parameters = self._parameters(options)
        try:
            run = runs.start_training_run(None, parameters, enqueue=not options["in_process"])
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stdout.write(f"training run {run.pk} queued")
        if options["in_process"]:
            from ml.training import start_training_thread

            start_training_thread(run.pk)
        if not (options["wait"] or options["activate"] or options["in_process"]):
            return
        run = self._follow(run.pk)
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"training run {run.pk} {run.status}: {run.error}")
        self._report(run)
        if options["activate"]:
            try:
                version = versions.activate_version(run.model_version.pk, None)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"model version {version.pk} is now active; the catalogue is being scored")

    def _parameters(self, options):
        parameters = train_options_from_args(argparse.Namespace(**options))
        for item in options["set"]:
            key, sep, raw = item.partition("=")
            if not sep:
                raise CommandError(f"--set expects KEY=VALUE, got {item!r}")
            try:
                parameters[key.strip()] = json.loads(raw)
            except json.JSONDecodeError:
                parameters[key.strip()] = raw
        return parameters

    def _follow(self, run_id):
        bar = tqdm(total=100.0, unit="%", bar_format="{l_bar}{bar}| {n:.0f}/{total:.0f}% [{elapsed}<{remaining}] {postfix}")
        try:
            while True:
                run = TrainingRun.objects.select_related("model_version").get(pk=run_id)
                bar.n = run.percent
                loss = run.loss_history[-1][1] if run.loss_history else None
                bar.set_postfix_str(
                    f"{run.status} {run.stage} epoch {run.epoch}/{run.total_epochs}"
                    + (f" loss {loss:.4f}" if loss is not None else "")
                    + (f" {run.throughput:.1f} seq/s" if run.throughput else "")
                )
                if run.is_finished:
                    return run
                runs.fail_dead_runs()
                time.sleep(POLL_INTERVAL)
        finally:
            bar.close()

    def _report(self, run):
        metrics = run.metrics or {}
        if not metrics:
            self.stdout.write("no held-out products: no figures")
            return
        self.stdout.write(
            "held-out: micro P/R/F1 {:.2f}/{:.2f}/{:.2f}, macro P/R/F1 {:.2f}/{:.2f}/{:.2f}, P@1 {:.2f}".format(
                *(100 * metrics[k] for k in ("micro_p", "micro_r", "micro_f1", "macro_p", "macro_r", "macro_f1", "p@1"))
            )
        )
        if run.comparison.get("micro_f1") is not None:
            self.stdout.write(
                f"active version {run.comparison['model_version']} on the same data: "
                f"micro-F1 {100 * run.comparison['micro_f1']:.2f}, macro-F1 {100 * run.comparison['macro_f1']:.2f}"
            )
        self.stdout.write(f"model version {run.model_version.pk} created")
