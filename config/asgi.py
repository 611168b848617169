import os

from django.core.asgi import get_asgi_application

from config.web_queries import use_serial_queries

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_asgi_application()
use_serial_queries()
