from django.core.management.base import BaseCommand, CommandError

from taxonomy.importing import import_taxonomy
from taxonomy.problems import FileRefused


class Command(BaseCommand):
    help = "Import a taxonomy.json file (docs/formats.md): upsert attributes, values, categories and their pairs."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the taxonomy.json file")

    def handle(self, *args, path, **options):
        try:
            with open(path, "rb") as file:
                result = import_taxonomy(file, name=path)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        except FileRefused as refused:
            for line in refused.lines():
                self.stderr.write(line)
            raise CommandError(refused.summary()) from None
        summary = ", ".join(f"{key.replace('_', ' ')} {count}" for key, count in result.as_dict().items())
        self.stdout.write(f"{path}: {summary}" + ("" if result.changed else " (nothing changed)"))
