from django.apps import AppConfig


class MlConfig(AppConfig):
    name = "ml"
    verbose_name = "Model training and suggestions"

    def ready(self):
        from . import signals

        signals.connect()
