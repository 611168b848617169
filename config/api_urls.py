"""The REST API: each app contributes its routes under /api/."""
from django.http import JsonResponse
from django.urls import include, path


def not_found(request, *args, **kwargs):
    # Unknown API URLs (a detail URL whose id is not a number among them) answer 404 in the
    # API's JSON form, not with the HTML page of the site (config/urls.py routes them here).
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("", include("accounts.api_urls")),
    path("", include("taxonomy.api_urls")),
    path("", include("catalog.api_urls")),
    path("", include("catalog.review_api")),
    path("", include("ml.api_urls")),
]
