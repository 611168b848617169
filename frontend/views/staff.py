"""Staff pages: training runs, model versions, catalogue overview.

State changes go through the ML app's domain functions (ml.runs, ml.versions); their
ValidationError / PermissionDenied messages are shown to the user as they are.
"""
from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from catalog.overview import current_overview
from ml import runs as ml_runs
from ml import versions as ml_versions
from ml.models import ModelVersion, TrainingRun
from ml.outbox import send_on_commit
from ml.scoring import scoring_progress

from ..figures import evaluation_tables, learning_chart, loss_chart, side_by_side
from ..forms import StartRunForm
from ..labels import RUN_STAGE, RUN_STATUS, run_error
from .access import staff_required

RUNS_PER_PAGE = 50
FIRST_OVERVIEW_SENT = "zokusei:first-overview-sent"


def _runs_page(request, form, status=200):
    return render(
        request,
        "frontend/runs.html",
        {
            "runs": TrainingRun.objects.select_related("requested_by", "model_version")[:RUNS_PER_PAGE],
            "form": form,
            "base_version": form.base_version,
        },
        status=status,
    )


def _start_form(data=None):
    """The form, starting from the active version's training options (ml.runs)."""
    version, base = ml_runs.active_training_parameters()
    form = StartRunForm(data, base=base)
    form.base_version = version if base else None
    return form


@staff_required
@require_GET
def runs(request):
    return _runs_page(request, _start_form())


@staff_required
@require_POST
def start_run(request):
    form = _start_form(request.POST)
    if not form.is_valid():
        return _runs_page(request, form, status=400)
    try:
        run = ml_runs.start_training_run(request.user, form.parameters())
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("frontend:runs")
    return redirect("frontend:run", pk=run.pk)  # which says so when the broker did not take it


def run_progress_data(run: TrainingRun) -> dict:
    """What the run page polls: everything that moves while a run trains."""
    return {
        "id": run.pk,
        "status": run.status,
        "status_display": str(RUN_STATUS.get(run.status, run.status)),
        "stage": run.stage,
        "stage_display": str(RUN_STAGE.get(run.stage, run.stage)),
        "percent": run.percent,
        "epoch": run.epoch,
        "total_epochs": run.total_epochs,
        "step": run.step,
        "total_steps": run.total_steps,
        "throughput": run.throughput,
        "loss_history": run.loss_history,
        "error": run.error,
        "error_display": run_error(run.error),
        "finished": run.is_finished,
        "cancel_requested": run.cancel_requested,
    }


@staff_required
@require_GET
def run_detail(request, pk):
    run = get_object_or_404(TrainingRun.objects.select_related("requested_by", "snapshot"), pk=pk)
    version = ModelVersion.objects.filter(run=run).first()
    return render(
        request,
        "frontend/run.html",
        {
            "run": run,
            "version": version,
            "progress": run_progress_data(run),
            "progress_url": reverse("frontend:run_progress", args=[run.pk]),
            "chart": loss_chart(run.loss_history),
            "tables": evaluation_tables(run.metrics),
            "comparison_tables": evaluation_tables(run.comparison),
            "waiting_for_broker": run.status == "queued" and run.pk in ml_runs.runs_waiting_for_broker(),
        },
    )


@staff_required
@require_GET
def run_progress(request, pk):
    run = get_object_or_404(TrainingRun, pk=pk)
    # The chart comes drawn, so the page and the poll share one drawing routine.
    response = JsonResponse({**run_progress_data(run), "chart_html": str(loss_chart(run.loss_history))})
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def cancel_run(request, pk):
    get_object_or_404(TrainingRun, pk=pk)
    try:
        ml_runs.request_cancel(pk, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Cancellation requested."))
    return redirect("frontend:run", pk=pk)


def _version_or_none(value):
    try:
        return ModelVersion.objects.select_related("run").get(pk=int(value))
    except (TypeError, ValueError, ModelVersion.DoesNotExist):
        return None


@staff_required
@require_GET
def versions(request):
    all_versions = list(ModelVersion.objects.select_related("run", "activated_by", "previous_active"))
    active = next((v for v in all_versions if v.is_active), None)
    left = _version_or_none(request.GET.get("a")) or active or (all_versions[0] if all_versions else None)
    right = _version_or_none(request.GET.get("b"))
    if right is None:
        right = next((v for v in all_versions if left is None or v.pk != left.pk), None)
    for version in all_versions:
        version.preview = None if version.is_active else ml_versions.activation_preview(version, active)
    return render(
        request,
        "frontend/versions.html",
        {
            "scoring": scoring_progress(active.pk) if active else None,
            "scoring_url": reverse("frontend:version_scoring", args=[active.pk]) if active else "",
            "versions": all_versions,
            "active": active,
            "left": left,
            "right": right,
            "columns": [(v, evaluation_tables(v.metrics)) for v in (left, right) if v is not None],
            "comparison": compare_tables(left, right),
        },
    )


def compare_tables(left, right):
    if left is None or right is None:
        return None
    return side_by_side(left.metrics, right.metrics)


@staff_required
@require_POST
def activate_version(request, pk):
    candidate = get_object_or_404(ModelVersion.objects.select_related("run"), pk=pk)
    active = ml_versions.active_version()
    preview = None if candidate.is_active else ml_versions.activation_preview(candidate, active)
    if preview and preview["worse"] and request.POST.get("confirm") != "worse":
        # A version below the active one on its held-out figures is activated only once staff
        # have seen by how much, and what would change.
        return render(request, "frontend/activate_confirm.html",
                      {"version": candidate, "active": active, "preview": preview}, status=409)
    try:
        version = ml_versions.activate_version(pk, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Model version %(id)d is now active.") % {"id": version.pk})
    return redirect("frontend:versions")


@staff_required
@require_GET
def version_scoring(request, pk):
    """What the versions page polls while an activation scores the catalogue."""
    get_object_or_404(ModelVersion, pk=pk)
    response = JsonResponse({"version": pk, **scoring_progress(pk)})
    response["Cache-Control"] = "no-store"
    return response


@staff_required
@require_POST
def roll_back(request):
    try:
        version = ml_versions.roll_back(request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rolled back: model version %(id)d is active again.") % {"id": version.pk})
    return redirect("frontend:versions")


@staff_required
@require_GET
def overview(request):
    summary = current_overview()
    if summary is None:
        # Never summarised and too large to compute here: once per process and 10 minutes
        # (the page reloads itself meanwhile), the worker computes it; running twice is harmless.
        if cache.add(FIRST_OVERVIEW_SENT, True, timeout=600):
            send_on_commit("catalog.tasks.refresh_overview")
        return render(request, "frontend/overview_pending.html", {"reload_seconds": 15})
    return render(request, "frontend/overview.html", {
        **summary.figures,
        "learning_chart": learning_chart(summary.figures.get("learning")),
        "computed_at": summary.computed_at,
        "refresh_minutes": round(settings.CELERY_BEAT_SCHEDULE["refresh-catalogue-overview"]["schedule"] / 60),
    })


@staff_required
@require_POST
def refresh_overview(request):
    """Recompute the overview's figures now, in the background (they read the whole catalogue)."""
    send_on_commit("catalog.tasks.refresh_overview")
    messages.success(request, _("The figures are being recomputed; reload this page in a moment."))
    return redirect("frontend:overview")
