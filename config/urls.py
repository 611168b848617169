from django.contrib import admin
from django.http import HttpResponse, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from config.api_urls import not_found as api_not_found
from config.health import healthz


class DocsPage:
    """The API docs are HTML pages for browsers: OPTIONS only says which methods they allow.

    DRF answers OPTIONS with metadata, which these views' HTML renderer cannot render without
    a template (a 500 on `OPTIONS /api/docs/`).
    """

    def options(self, request, *args, **kwargs):
        return HttpResponse()  # DRF adds the Allow header


class SwaggerDocsView(DocsPage, SpectacularSwaggerView):
    pass


class RedocDocsView(DocsPage, SpectacularRedocView):
    pass


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page links (feeds, PDFs, the API's JSON): the
    project's icon, not a 404 in every log. Temporary, as the static URL carries a content hash."""
    return HttpResponseRedirect(static("frontend/favicon.svg"))


# The admin under the product's name (Django's default says "Django administration").
admin.site.site_header = _("Zokusei administration")
admin.site.site_title = _("Zokusei admin")
admin.site.index_title = _("Taxonomy, catalogue and model training")

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/", include("config.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SwaggerDocsView.as_view(url_name="schema"), name="api-docs"),
    path("api/redoc/", RedocDocsView.as_view(url_name="schema"), name="api-redoc"),
    # After every API route; only URLs ending in a slash, so that APPEND_SLASH still redirects.
    # Any character, a newline (%0A) too: `.` would leave such URLs to the site's HTML 404 page.
    # CSRF-exempt: it changes nothing, and a write to such a URL (a non-numeric id) with a
    # token would otherwise get Django's HTML 403 page instead of the API's JSON 404.
    re_path(r"^api/[\s\S]*/$", csrf_exempt(api_not_found)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls")),
]
