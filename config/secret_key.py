"""The embedded mode's SECRET_KEY: random, made once into a file only its owner can read."""
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Django's check --deploy asks for at least 50 characters with at least 5 different ones.
_MIN_LENGTH = 50


def secret_key_from_file(path: Path) -> str:
    """The key kept in `path`, made there first if there is none.

    Processes starting together (a web server and a worker) may both find no file: each writes
    a key of its own to a temporary file and links it into place, which only the first one
    manages; the others read the key it left.
    """
    path = Path(path)
    if not path.exists():
        _create(path)
    try:
        key = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise ImproperlyConfigured(f"cannot read the secret key file {path}: {error}") from None
    if len(key) < _MIN_LENGTH:
        raise ImproperlyConfigured(
            f"the secret key file {path} holds fewer than {_MIN_LENGTH} characters; remove it to have a new key made"
        )
    return key


def _create(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_urlsafe(64) + "\n")
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first; its key is the one to use
    finally:
        temporary.unlink(missing_ok=True)
