import sys

from django.core.management.base import BaseCommand

from taxonomy.exporting import export_taxonomy


class Command(BaseCommand):
    help = "Export the taxonomy as taxonomy.json (docs/formats.md) to a file or standard output."

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="-", help="output file; '-' (default) for standard output")

    def handle(self, *args, path, **options):
        if path == "-":
            export_taxonomy(sys.stdout)
            return
        with open(path, "w", encoding="utf-8") as out:
            export_taxonomy(out)
        self.stderr.write(f"wrote {path}")
