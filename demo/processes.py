"""The web server and the Celery worker the demo runs beside itself, and stopping them.

Each child gets a process group of its own, so that Ctrl+C reaches only the demo command,
which then stops every group it started (the worker's pool processes included), politely
first and by force after a grace period.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# A warm Celery shutdown waits for the task in hand (a whole training run); after this many
# seconds the demo stops waiting and kills the group. The broker redelivers the task later
# (acks_late), and tasks are safe to run twice.
GRACE_SECONDS = 10


class Services:
    def __init__(self, base_dir: Path, env: dict):
        self.base_dir, self.env = Path(base_dir), env
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str]) -> subprocess.Popen:
        child = subprocess.Popen(argv, cwd=self.base_dir, env=self.env, start_new_session=True)
        self.children.append((name, child))
        return child

    def start_worker(self) -> subprocess.Popen:
        return self.start("worker", self.worker_command())

    def worker_command(self) -> list[str]:
        """The embedded worker, with beat inside it (-B): the sweeps of CELERY_BEAT_SCHEDULE
        (tasks the broker could not take, lost runs, retention) run in the demo too."""
        from django.conf import settings

        return [
            sys.executable, "-m", "celery", "-A", "config", "worker",
            "-Q", "default,training,inference", "--concurrency", "1", "-l", "WARNING",
            "-B", "--schedule", str(Path(settings.VAR_DIR) / "celerybeat-schedule"),
        ]

    def start_server(self, address: str) -> subprocess.Popen:
        return self.start("web server", [sys.executable, "manage.py", "runserver", address, "--noreload"])

    def wait(self) -> str:
        """Until a child exits (returns its name) or the demo is interrupted."""
        while True:
            for name, child in self.children:
                if child.poll() is not None:
                    return name
            time.sleep(0.5)

    def stop(self) -> None:
        # The polite signal goes to each leader alone: a Celery worker shuts its own pool down
        # (signalled directly, the pool process would die mid-task and be logged as an error).
        for _, child in self.children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for _, child in self.children:
            try:
                child.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
        for _, child in self.children:
            # The group may outlive its leader (a worker's pool process): kill what is left.
            _signal_group(child, signal.SIGKILL)
            child.wait()
        self.children.clear()


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    try:
        os.killpg(child.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def raise_on_sigterm() -> None:
    """SIGTERM and SIGHUP end the demo like Ctrl+C does, so the children are stopped too.
    SIGINT is set explicitly because a process started in the background inherits it ignored."""
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, interrupt)
