import os
from importlib import import_module

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from config.web_queries import use_serial_queries

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()
use_serial_queries()
# Django imports the URLconf, and with it every view, DRF and the API schema, on the first
# request a process serves: 0.2-0.3 s that the first seller after each (re)start of a gunicorn
# worker would wait. Imported here, it is paid while the worker starts (docs/benchmarks.md,
# "Fifth pass").
import_module(settings.ROOT_URLCONF)
