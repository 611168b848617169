from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MlConfig(AppConfig):
    name = "ml"
    verbose_name = _("Model training and suggestions")

    def ready(self):
        from . import signals

        signals.connect()
