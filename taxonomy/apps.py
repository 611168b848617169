from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "taxonomy"
    verbose_name = _("Taxonomy")

    def ready(self):
        from . import signals  # noqa: F401  (connects the revision counter)
