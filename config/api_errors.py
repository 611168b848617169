"""How the API answers errors raised by domain functions.

Domain functions (ml.runs, ml.versions, catalog.review, ...) raise Django's ValidationError
and DoesNotExist; views call them directly and this handler turns those into 400 and 404
answers, so no view needs its own try/except for them. A ValidationError raised with a dict
keeps its keys ({"parameters": [...]}), so the answer says which field is wrong.

A database constraint that refuses a write (two people changing the same thing at the same
moment, where the domain function's locks did not already serialise them) is a 409 Conflict,
not a 500: nothing was written, and trying again sees the other change.

A body over DATA_UPLOAD_MAX_MEMORY_SIZE is a JSON 413 that gives the limit (Django would answer
its own HTML 400 page, which an API client cannot read); so is a form body of more fields than
DATA_UPLOAD_MAX_NUMBER_FIELDS (a JSON 400 giving the limit).
"""
import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, RequestDataTooBig, TooManyFieldsSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import status
from rest_framework.exceptions import APIException, NotFound, ParseError, ValidationError
from rest_framework.views import exception_handler as drf_exception_handler

log = logging.getLogger(__name__)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "This change conflicts with another one made at the same time; nothing was changed. Reload and try again."
    default_code = "conflict"


class BodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "body_too_large"


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    elif isinstance(exc, ObjectDoesNotExist):
        exc = NotFound()
    elif isinstance(exc, IntegrityError):
        log.warning("conflicting write answered 409: %s", exc)
        exc = Conflict()
    elif isinstance(exc, RequestDataTooBig):
        exc = BodyTooLarge(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes; "
                           "send files as a multipart upload (products/import/) instead.")
    elif isinstance(exc, TooManyFieldsSent):
        exc = ParseError(f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} form fields.")
    return drf_exception_handler(exc, context)
