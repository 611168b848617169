#!/usr/bin/env python
"""Retrain as staff would from the runs page with no field changed, and compare the new run's
held-out figures with the active version's on the same held-out products.

    ZOKUSEI_VAR_DIR=var python bench/retrain_from_staff_form.py [--username staff]

Run it on a database where `manage.py demo --no-serve` (or a real deployment) has an active
version. The script signs in as the staff user, reads the start form as the page renders it
(every field with its initial value), posts it as a browser would, trains the queued run in
this process (as `train_model --in-process` does) and prints both versions' figures as JSON.
Nothing is activated: the new version waits on the versions page, as after any run.
"""
import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the demo sets it (docs/benchmarks.md, "Demo")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
FIGURES = ("micro_p", "micro_r", "micro_f1", "macro_f1", "p@1")


def form_fields(page: str, action: str) -> dict:
    """The start form's fields as a browser would post them untouched."""
    form = page[page.index(f'action="{action}"'):]
    form = form[: form.index("</form>")]
    fields = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            fields[name.group(1)] = value.group(1) if value else ""
    return fields


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--username", default="staff")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from ml.models import ModelVersion, TrainingRun
    from ml.training import start_training_thread

    active = ModelVersion.objects.filter(is_active=True).select_related("run").first()
    if active is None:
        print("no active model version: run `manage.py demo --no-serve` first", file=sys.stderr)
        return 2
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username=args.username))
    page = client.get(reverse("frontend:runs")).content.decode()
    posted = form_fields(page, reverse("frontend:start_run"))
    response = client.post(reverse("frontend:start_run"), posted)
    if response.status_code != 302:
        print(f"the form was refused ({response.status_code}):\n{response.content.decode()[:2000]}", file=sys.stderr)
        return 1
    run = TrainingRun.objects.exclude(status__in=["succeeded", "failed", "cancelled"]).latest("created_at")
    started = time.monotonic()
    start_training_thread(run.pk, daemon=False).join()
    run.refresh_from_db()
    result = {
        "posted": {k: v for k, v in posted.items() if k != "csrfmiddlewaretoken"},
        "same_parameters_as_active": run.parameters == (active.run.parameters if active.run else None),
        "status": run.status,
        "error": run.error,
        "train_seconds": round(time.monotonic() - started, 1),
        "heldout_products": run.snapshot.heldout_count if run.snapshot else None,
        # run.comparison: the active version scored on this run's held-out products.
        "new": {k: run.metrics.get(k) for k in FIGURES},
        "active": {k: run.comparison.get(k) for k in FIGURES},
    }
    result["at_least_as_good"] = run.status == "succeeded" and all(
        (result["new"][k] or 0) >= (result["active"][k] or 0) for k in ("micro_f1", "macro_f1", "p@1")
    )
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return 0 if run.status == "succeeded" else 1


if __name__ == "__main__":
    sys.exit(main())
