"""How the API reads request bodies: bounded, and with every text checked before any view sees it.

`json.loads` recurses once per nesting level, so a body of 100,000 `[` ends in RecursionError
(a 500) before any serializer runs; no API body needs more than a few levels (the deepest is a
training run's `parameters` object), so deeper bodies are refused before parsing. The size is
bounded before this: DRF hands JSON and form parsers `request.body`, which Django refuses past
DATA_UPLOAD_MAX_MEMORY_SIZE (RequestDataTooBig, a JSON 413 by config/api_errors.py). File uploads (imports) are multipart
and not counted against it.

Every string of a JSON body, keys included, and every form field is asked `text_problem`
(taxonomy/limits.py): a NUL byte cannot be stored by PostgreSQL (in text or in jsonb) and a
lone surrogate cannot be encoded as UTF-8, and DRF's CharField catches them only in the fields
it declares, not inside a JSONField or in a slug lookup. The refusal names the field.
"""
import codecs
import re
from itertools import accumulate

from django.conf import settings
from rest_framework import parsers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.utils import json

from taxonomy.limits import text_problem

# Levels of arrays and objects one JSON body may have; real bodies have two or three.
MAX_JSON_DEPTH = 64

# JSON strings (possibly unterminated: they then run to the end, so that the scan never
# restarts inside one), or runs of characters that are neither brackets nor quotes.
_NOT_A_BRACKET = re.compile(r'"(?:[^"\\]|\\.|\\\Z)*+(?:"|\Z)|[^"\[\]{}]+', re.DOTALL)
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in `text`, without parsing it (brackets in strings don't count)."""
    brackets = _NOT_A_BRACKET.sub("", text)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def text_problems(data, path=()) -> dict:
    """Every string of parsed JSON that cannot be stored, as DRF's nested error dict ({} if none)."""
    problems = {}
    stack = [(path, data)]
    while stack:  # a loop, not recursion: the depth is bounded, but a wide body has many leaves
        where, value = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                _put(problems, where, problem)
        elif isinstance(value, dict):
            for key, item in value.items():
                problem = text_problem(key)
                if problem:
                    _put(problems, where, f"a key {problem}")
                else:
                    stack.append(((*where, key), item))
        elif isinstance(value, list):
            stack.extend(((*where, str(index)), item) for index, item in enumerate(value))
    return problems


def _put(problems: dict, where: tuple, message: str) -> None:
    *parents, last = where or ("non_field_errors",)
    node = problems
    for key in parents:
        node = node.setdefault(key, {})
        if not isinstance(node, dict):  # this object's key was refused already: that says enough
            return
    messages = node.setdefault(last, [])
    if isinstance(messages, list):
        messages.append(message)


def check_text(data) -> None:
    problems = text_problems(data)
    if problems:
        raise ValidationError(problems)


def form_text_problems(query) -> dict:
    """text_problems of form fields or query parameters (a QueryDict)."""
    # A field sent once is named alone, as serializers name it; repeated, with its index.
    return text_problems({name: values[0] if len(values) == 1 else values for name, values in query.lists()})


def check_form_text(query) -> None:
    problems = form_text_problems(query)
    if problems:
        raise ValidationError(problems)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested too deep and text that cannot be stored."""

    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read()
        encoding = parsers.get_encoding(parser_context or {})
        try:
            text = codecs.decode(body, encoding)
        except (UnicodeDecodeError, LookupError) as error:
            raise ParseError(f"JSON parse error - the body is not {encoding}: {error}") from None
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects.")
        try:
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as error:
            raise ParseError(f"JSON parse error - {error}") from None
        check_text(data)
        return data


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        check_form_text(data)
        return data


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "upload_too_large"


class MultiPartParser(parsers.MultiPartParser):
    """Form fields are checked; uploaded files are the importers' to check, line by line.

    A body larger than ZOKUSEI_MAX_UPLOAD_BYTES is refused from its Content-Length, before a
    byte of it is written to a temporary file (Django bounds form fields, not files)."""

    def parse(self, stream, media_type=None, parser_context=None):
        request = (parser_context or {}).get("request")
        limit = settings.ZOKUSEI_MAX_UPLOAD_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
        except ValueError:
            length = 0  # Django itself treats a malformed Content-Length as none
        if length > limit:
            raise UploadTooLarge(f"The upload is {length:,} bytes, larger than the {limit:,} bytes a file may be "
                                 "(ZOKUSEI_MAX_UPLOAD_BYTES); split the file.")
        result = super().parse(stream, media_type, parser_context)
        check_form_text(result.data)
        return result
