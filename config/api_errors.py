"""How the API answers errors raised by domain functions.

Domain functions (ml.runs, ml.versions, catalog.review, ...) raise Django's ValidationError
and DoesNotExist; views call them directly and this handler turns those into 400 and 404
answers, so no view needs its own try/except for them.
"""
from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError({"detail": exc.messages})
    elif isinstance(exc, ObjectDoesNotExist):
        exc = NotFound()
    return drf_exception_handler(exc, context)
