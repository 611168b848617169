"""How names in the taxonomy are compared: Unicode NFKC, then whitespace collapsed.

FORMATS.md: attribute names are case-sensitive, value names compared as written (after NFKC).
"""
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalize_name(name: str) -> str:
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", name)).strip()


# Category paths are stored as one string so that a path can be unique and looked up in one
# index; the unit separator cannot occur in a normalised name.
PATH_SEPARATOR = "\x1f"


def path_key(path) -> str:
    return PATH_SEPARATOR.join(normalize_name(part) for part in path)
