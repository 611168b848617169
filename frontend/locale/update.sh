#!/usr/bin/env bash
# Re-extract the web UI's messages, fill in the Japanese table, compile the catalogue.
# Run from the repository root: frontend/locale/update.sh
set -euo pipefail
PY=${PY:-.venv/bin/python}
# What users read: the UI (frontend/), the admin (each app's admin.py, apps.py and models'
# names), the review domain functions whose messages the UI shows and accounts/lockout.py
# (the sign-in page's lockout message). The API's own messages stay English (clients parse
# them), and so do management commands, ml/xmc and migrations.
$PY manage.py makemessages -l ja --no-obsolete --no-location \
    -i ".venv/*" -i "var/*" -i "docs/*" -i "tests/*" -i "demo/*" -i "bench/*" -i "*/migrations/*" -i "*/management/*" \
    -i "ml/[!ams]*" -i "ml/serializers.py" -i "ml/scoring.py" -i "ml/snapshots.py" -i "ml/suggestions.py" \
    -i "config/[!u]*" -i "accounts/[!alm]*" -i "accounts/api*" -i "accounts/authentication.py" -i "catalog/[!amr]*" -i "catalog/review_api.py" \
    -i "taxonomy/[!am]*"
$PY frontend/locale/ja_translations.py
$PY manage.py compilemessages -l ja --ignore ".venv/*"
