"""Query parameters of API requests that cannot be stored text are refused before any view runs.

`%00` decodes to a NUL character, which PostgreSQL refuses in any text comparison, so a
filter like `catalog-stats/?seller=%00` crashed in the database driver. Every view, filter,
search and ordering parameter reads request.GET, so one check here covers them all; the
answer has the form of DRF's validation errors, naming the parameter. (Invalid UTF-8 in a
query string cannot reach the views: Django decodes it with replacement characters.)
"""
from django.http import JsonResponse

from taxonomy.limits import text_problem

API_PREFIX = "/api/"


class RefuseUnstorableQueryText:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(API_PREFIX):
            problems = query_text_problems(request.GET)
            if problems:
                return JsonResponse(problems, status=400)
        return self.get_response(request)


def query_text_problems(query) -> dict:
    problems = {}
    for name, values in query.lists():
        name_problem = text_problem(name)
        if name_problem:
            problems.setdefault("non_field_errors", []).append(f"a parameter name {name_problem}")
            continue
        for value in values:
            problem = text_problem(value)
            if problem:
                problems.setdefault(name, []).append(problem)
    return problems
