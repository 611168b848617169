import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# Set before torch loads (it is imported lazily by the tasks): with OpenMP's default spinning
# wait, CPU training on cores shared with other processes ran 60x slower (docs/benchmarks.md).
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

app = Celery("zokusei")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
