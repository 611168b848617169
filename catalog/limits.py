"""Limits on one product, the same for the API, the admin, JSONL and CSV imports.

Real catalogues stay far below them (Rakuten caps titles at 127 full-width characters and
descriptions at 10,240 bytes; Amazon at 200 and 2,000 characters); they exist so that a
50 MB title is refused with its line and field instead of being stored and then highlighted
on every page view. The description limit keeps a CSV cell of Japanese text (3 bytes a
character in UTF-8) under the 128 KiB that Python's csv module allows in one field.
"""
from taxonomy.limits import MAX_NAME_CHARS, text_problem  # noqa: F401 - re-exported for callers

MAX_TITLE_CHARS = 1_000
MAX_DESCRIPTION_CHARS = 40_000
MAX_EXTERNAL_ID_CHARS = 255  # Product.external_id's column
MAX_LABELS_PER_PRODUCT = 500  # a category allows a few hundred pairs at most
