"""The REST API: each app contributes its routes under /api/."""
from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("taxonomy.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("catalog.review_api")),
    path("", include("ml.api_urls")),
]
