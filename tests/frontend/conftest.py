"""The review data fixtures live in tests/conftest.py, where every folder's tests find them.

These names stay importable from here for the modules that import them by this path
(tests/browser/conftest.py, tests/browser/test_review.py, tests/api/test_schema_fuzzing.py,
this folder's tests).
"""
from tests.conftest import (  # noqa: F401 - re-exported
    SNEAKER_DESCRIPTION,
    SNEAKER_TITLE,
    bobs_tv,
    make_product,
    model_version,
    sneaker,
    sneaker_suggestions,
    suggest,
)
