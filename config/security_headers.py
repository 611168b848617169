"""The Content-Security-Policy of every response (django-csp), relaxed on the API docs pages.

The policy itself is CONTENT_SECURITY_POLICY in config/settings.py: scripts and styles from
this site only, nothing inline, no plugins, no framing. Our pages and the admin keep to it.

Swagger UI and Redoc (drf-spectacular's sidecar files, served by us) do not: Swagger's page
starts the UI with an inline script, both draw with inline styles and data: images, and Redoc
searches in a worker made from a blob: URL. These pages show only the API schema (our own
text, fetched as JSON), never sellers' data, so they get a policy with exactly those
allowances; every other directive stays as strict as elsewhere. DRF's browsable API pages
get inline styles only.
"""
from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware

# Paths of the interactive API docs (config/urls.py), the only pages with the relaxed policy.
DOCS_PATHS = ("/api/docs/", "/api/redoc/")

DOCS_PAGE_ALLOWANCES = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "img-src": [SELF, "data:"],
    "worker-src": [SELF, "blob:"],
}


# DRF's browsable API (the HTML answer of any API URL to a browser) lays out its buttons with
# style attributes; its scripts are files, so only styles are let through there.
BROWSABLE_API_ALLOWANCES = {"style-src": [SELF, UNSAFE_INLINE]}


class ContentSecurityPolicy(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if parts.replace is None:
            if request.path_info in DOCS_PATHS:
                parts.replace = DOCS_PAGE_ALLOWANCES
            elif getattr(getattr(response, "accepted_renderer", None), "format", None) == "api":
                parts.replace = BROWSABLE_API_ALLOWANCES
        return parts
