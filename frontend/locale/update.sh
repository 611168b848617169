#!/usr/bin/env bash
# Re-extract the web UI's messages, fill in the Japanese table, compile the catalogue.
# Run from the repository root: frontend/locale/update.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
# Only the UI's own code: frontend/, the review domain functions whose messages it shows and
# accounts/lockout.py (the sign-in page's lockout message).
$PY manage.py makemessages -l ja --no-obsolete --no-location \
    -i ".venv/*" -i "var/*" -i "docs/*" -i "tests/*" -i "ml/*" -i "taxonomy/*" -i "accounts/[!l]*" -i "config/*" \
    -i "catalog/[!r]*" -i "catalog/review_api.py" -i "catalog/management/*" -i "catalog/migrations/*"
$PY frontend/locale/ja_translations.py
$PY manage.py compilemessages -l ja --ignore ".venv/*"
