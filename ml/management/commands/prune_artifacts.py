"""Remove old model artifacts and training snapshots from disk (ml/retention.py)."""
from django.core.management.base import BaseCommand, CommandError

from ml.retention import configured_limits, prune


class Command(BaseCommand):
    help = (
        "Delete the artifact folders of old model versions and the folders of old training snapshots. "
        "Always kept: the active version, the one a roll-back returns to, and the snapshots of kept "
        "versions and of unfinished runs. Rows stay; a pruned version can no longer be activated."
    )

    def add_arguments(self, parser):
        parser.add_argument("--keep-versions", type=int, default=None,
                            help="newest model versions whose artifacts are kept "
                                 "(default ZOKUSEI_KEEP_MODEL_VERSIONS; 0 there = keep all)")
        parser.add_argument("--keep-snapshots", type=int, default=None,
                            help="newest training snapshots kept (default ZOKUSEI_KEEP_SNAPSHOTS; 0 there = keep all)")
        parser.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")

    def handle(self, *args, keep_versions, keep_snapshots, dry_run, **options):
        configured_versions, configured_snapshots = configured_limits()
        keep_versions = configured_versions if keep_versions is None else keep_versions
        keep_snapshots = configured_snapshots if keep_snapshots is None else keep_snapshots
        if keep_versions is None and keep_snapshots is None:
            raise CommandError("nothing to prune: give --keep-versions and/or --keep-snapshots, "
                               "or set ZOKUSEI_KEEP_MODEL_VERSIONS / ZOKUSEI_KEEP_SNAPSHOTS")
        try:
            report = prune(keep_versions, keep_snapshots, dry_run=dry_run)
        except ValueError as error:
            raise CommandError(str(error)) from None
        verb = "would remove" if dry_run else "removed"
        self.stdout.write(f"{verb} the artifacts of {len(report.versions)} model version(s) {report.versions} "
                          f"and {len(report.snapshots)} snapshot(s) {report.snapshots}")
        for folder in report.folders:
            self.stdout.write(f"  {folder}")
