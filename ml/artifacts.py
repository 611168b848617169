"""Model artifacts on disk: where they live and how their integrity is checked.

A model version points at an ml.xmc artifact folder and records a SHA-256 over its files.
A version whose folder is missing or whose files changed is refused before it is used.
"""
import hashlib
from pathlib import Path

from django.conf import settings


class ArtifactError(Exception):
    """The artifact of a model version is missing or does not match its checksum."""


def run_artifact_dir(run_id: int) -> Path:
    return Path(settings.ZOKUSEI_MODEL_DIR) / f"run-{run_id}"


def artifact_checksum(folder) -> str:
    """SHA-256 over every file of the folder: relative path, then content, in sorted order."""
    folder = Path(folder)
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0")
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        digest.update(b"\0")
    return digest.hexdigest()


def verify_artifact(artifact_uri: str, expected_checksum: str) -> Path:
    folder = Path(artifact_uri)
    if not folder.is_dir():
        raise ArtifactError(f"the model artifact folder {folder} does not exist")
    actual = artifact_checksum(folder)
    if actual != expected_checksum:
        raise ArtifactError(
            f"the model artifact in {folder} does not match its recorded checksum "
            f"(expected {expected_checksum[:12]}…, found {actual[:12]}…): it was changed or corrupted"
        )
    return folder
