"""The embedded worker of `make demo` runs beat too, so the sweeps of CELERY_BEAT_SCHEDULE
(unsent tasks, lost training runs, retention) work in the demo as well."""
from django.conf import settings

from demo.processes import Services


def test_the_demo_worker_runs_the_beat_scheduler_with_its_schedule_under_var(tmp_path):
    command = Services(tmp_path, {}).worker_command()

    assert command[command.index("-A") + 1] == "config" and "worker" in command
    assert "-B" in command
    assert command[command.index("--schedule") + 1].startswith(str(settings.VAR_DIR))
