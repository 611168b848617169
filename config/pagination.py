from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    # Bounded so that one request cannot ask the database for the whole catalogue.
    max_page_size = 500
