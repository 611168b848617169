"""Register a model folder trained with `python -m ml.xmc train` as a model version."""
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ml import versions
from ml.xmc.errors import XmcError
from taxonomy.signals import current_revision


class Command(BaseCommand):
    help = "Register an ml.xmc model folder as a model version (its checksum is recorded now); --activate to use it."

    def add_arguments(self, parser):
        parser.add_argument("folder", help="model folder written by `python -m ml.xmc train`")
        parser.add_argument("--activate", action="store_true", help="activate it (scores the whole catalogue)")

    def handle(self, *args, folder, activate, **options):
        from ml.xmc.model import XmcModel

        folder = Path(folder).resolve()
        try:
            model = XmcModel.load(folder, device="cpu")
        except XmcError as error:
            raise CommandError(str(error)) from None
        version = versions.register_version(
            run=None, artifact_dir=folder, encoder=model.config.encoder, label_count=len(model.label_space),
            taxonomy_revision=current_revision(), metrics={},
        )
        self.stdout.write(f"model version {version.pk} registered from {folder}")
        if activate:
            try:
                versions.activate_version(version.pk, None)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
            self.stdout.write(f"model version {version.pk} is active; the catalogue is queued for scoring")
