import os

from django.core.management.base import BaseCommand, CommandError
from django.db import reset_queries
from tqdm import tqdm

from catalog.importing import file_format_of, import_products
from taxonomy.problems import FileRefused


class Command(BaseCommand):
    help = (
        "Import products from JSONL files (docs/formats.md) or CSV files (catalog/csvfiles.py): upsert by "
        "(seller, id) in one transaction per file, which any problem of the file rolls back whole."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="JSONL or CSV files, imported one after the other")
        parser.add_argument(
            "--format", dest="file_format", choices=["jsonl", "csv"], help="file format (default: from the name: .csv is CSV)"
        )
        parser.add_argument("--seller", help="seller slug for lines that name no seller")
        parser.add_argument(
            "--no-create-sellers", action="store_true", help="refuse sellers that do not exist yet instead of creating them"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, paths, seller=None, file_format=None, no_create_sellers=False, no_progress=False, **options):
        for path in paths:
            self._import(path, seller, file_format or file_format_of(path), not no_create_sellers, not no_progress)

    def _import(self, path, seller, file_format, create_sellers, show_progress):
        try:
            size = os.path.getsize(path)
            with open(path, "rb") as file, _Progress(path, size, show_progress) as progress:
                result = import_products(
                    file, name=path, file_format=file_format, default_seller=seller,
                    create_sellers=create_sellers, on_progress=progress,
                )
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except FileRefused as refused:
            for line in refused.lines():
                self.stderr.write(f"{path}: {line}")
            raise CommandError(refused.summary()) from None
        summary = ", ".join(f"{key.replace('_', ' ')} {count}" for key, count in result.as_dict().items())
        self.stdout.write(f"{path}: {summary}")


class _Progress:
    """One tqdm bar per phase (import, then duplicates for a file refused for them), in bytes of the file."""

    def __init__(self, path, size, enabled):
        self.name, self.size, self.enabled = os.path.basename(path), size, enabled
        self.bar, self.phase = None, None

    def __call__(self, phase, position):
        # With DEBUG on, Django keeps every SQL statement of the connection; a long import
        # would hold thousands of bulk INSERTs in memory.
        reset_queries()
        if not self.enabled:
            return
        if phase != self.phase:
            self._close()
            self.phase = phase
            self.bar = tqdm(total=self.size, desc=f"{self.name} {phase}", unit="B", unit_scale=True, leave=True)
        self.bar.update(position - self.bar.n)

    def _close(self):
        if self.bar is not None:
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._close()
