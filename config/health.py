import threading

from django.db import connection
from django.http import JsonResponse

# The broker probe gives up after this many seconds: a health check must not hang on an
# unreachable host (a load balancer would count the check itself as failed).
BROKER_PROBE_TIMEOUT = 2.0


def healthz(request):
    """Liveness for load balancers and docker-compose: the process answers and the database too.

    The broker is reported as well, but its loss does not fail the check (503): requests still
    work, and the tasks they send are kept and sent when it is back (ml/outbox.py), so taking
    the web server out of service would only make things worse. `status` says "degraded" then.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as error:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error", "database": str(error)}, status=503)
    from ml.models import UnsentTask

    broker = broker_problem()
    return JsonResponse({
        "status": "degraded" if broker else "ok",
        "database": "ok",
        "broker": f"unreachable: {broker}" if broker else "ok",
        "unsent_tasks": UnsentTask.objects.count(),
    })


def broker_problem(timeout: float = BROKER_PROBE_TIMEOUT) -> str:
    """Why the Celery broker cannot be reached ("" when it can), found within `timeout`."""
    from config.celery import app

    outcome = []

    def probe():
        try:
            with app.connection_for_write() as broker:
                broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            outcome.append("")
        except Exception as error:  # noqa: BLE001 - whatever the transport raises is the answer
            outcome.append(str(error) or type(error).__name__)

    # A daemon thread: a connect that ignores its timeout is abandoned, not waited for.
    thread = threading.Thread(target=probe, daemon=True, name="healthz-broker")
    thread.start()
    thread.join(timeout)
    return outcome[0] if outcome else f"no answer within {timeout:g} s"
