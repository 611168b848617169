"""How names in the taxonomy are compared: Unicode NFKC, then whitespace collapsed; and how a
category's path is kept as one string.

docs/formats.md: attribute names are case-sensitive, value names compared as written (after
NFKC). Django-free: ml/xmc (which never imports Django) compares names with this module too.
"""
import re
import unicodedata

_WHITESPACE = re.compile(r"\s+")


def normalize_name(name) -> str:
    """NFKC, whitespace collapsed and stripped (a JSON number read as a name becomes its text)."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", str(name))).strip()


# Category paths are stored as one string so that a path can be unique and looked up in one
# index; the unit separator cannot occur in a normalised name.
PATH_SEPARATOR = "\x1f"


def path_key(path) -> str:
    return PATH_SEPARATOR.join(normalize_name(part) for part in path)


def split_path_key(key: str) -> list[str]:
    """The names of a path key, from the top category down."""
    return key.split(PATH_SEPARATOR)
