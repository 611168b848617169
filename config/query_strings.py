"""Query parameters that cannot be stored text are refused before any view runs.

`%00` decodes to a NUL character, which PostgreSQL refuses in any text comparison, so a
filter like `catalog-stats/?seller=%00` crashed in the database driver. Every view, filter,
search and ordering parameter reads request.GET, so one check here covers them all; the
answer has the form of DRF's validation errors, naming the parameter. (Invalid UTF-8 in a
query string cannot reach the views: Django decodes it with replacement characters.)

The pages read query parameters too (queue filters, `?queue=`, the admin's search), so every
path is checked: the API answers JSON, a page a plain 400. A query string of more parameters
than DATA_UPLOAD_MAX_NUMBER_FIELDS is refused here the same way, instead of Django's HTML 400.
"""
from django.conf import settings
from django.core.exceptions import TooManyFieldsSent
from django.http import HttpResponseBadRequest, JsonResponse

from .parsers import form_text_problems

API_PREFIX = "/api/"


class RefuseUnstorableQueryText:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            problems = form_text_problems(request.GET)  # the bodies' check (config/parsers.py)
        except TooManyFieldsSent:
            problems = {"non_field_errors": [
                f"the query string has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} parameters"]}
        if not problems:
            return self.get_response(request)
        if request.path_info.startswith(API_PREFIX):
            return JsonResponse(problems, status=400)
        return HttpResponseBadRequest(
            "; ".join(f"{name}: {', '.join(reasons) if isinstance(reasons, list) else reasons}"
                      for name, reasons in problems.items()),
            content_type="text/plain; charset=utf-8")
