"""What text the taxonomy and the catalogue accept, checked the same way everywhere.

Every entry point (the API, the admin, taxonomy and product imports) asks `text_problem` about
each text field, so that a NUL byte (PostgreSQL cannot store it in text), a lone surrogate
(not encodable as UTF-8) or an oversized value is refused with its field instead of crashing
the database driver or a page later. The limits sit far above what real catalogues carry.
"""

# Taxonomy names: the database columns are 255 characters wide (taxonomy/models.py).
MAX_NAME_CHARS = 255
# Aliases of one value: marketplaces list a handful of spellings (赤, RED, ﾚｯﾄﾞ); hundreds
# would mean a file that is not a taxonomy.
MAX_ALIASES_PER_VALUE = 100


def text_problem(value: str, max_chars: int | None = None) -> str | None:
    """Why `value` cannot be stored as text, or None when it can."""
    if "\x00" in value:
        return "contains a NUL character (\\u0000)"
    if max_chars is not None and len(value) > max_chars:
        return f"longer than {max_chars:,} characters ({len(value):,})"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"contains a lone surrogate (\\u{ord(value[error.start]):04x}) at character {error.start + 1}"
    return None


def name_problem(name: str) -> str | None:
    """Why a taxonomy name cannot be stored, or None: the columns hold the normalised name,
    which NFKC may make longer than the name as written (㍿ is 株式会社)."""
    from .names import normalize_name

    return text_problem(normalize_name(name), MAX_NAME_CHARS)

