"""Problems found in an imported file, reported all at once with their line numbers.

Imports validate the whole file before writing anything; what they find is collected here
and raised together as `FileRefused`, which the command line prints and the API returns.
"""
import difflib
from dataclasses import dataclass

from .limits import text_problem

# Enough to show every kind of problem in a broken file without flooding a terminal or an
# API response when, say, a whole file is in the wrong encoding.
MAX_PROBLEMS = 100
# A field named in a problem is the file's own key or column, which may be anything: a
# 50 MB key is shown by its first characters.
MAX_SHOWN_CHARS = 80
# A reason may quote a name from the file (an unknown value): it is cut there too.
MAX_REASON_CHARS = 1_000


@dataclass(frozen=True)
class Problem:
    line: int | None
    field: str | None
    reason: str

    def __str__(self):
        where = f"line {self.line}" if self.line is not None else "file"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.reason}"

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "reason": self.reason}


class Problems:
    """Collects problems; keeps the first MAX_PROBLEMS and counts the rest."""

    def __init__(self, limit: int = MAX_PROBLEMS):
        self.limit = limit
        self.kept: list[Problem] = []
        self.total = 0

    def add(self, line, field, reason):
        self.total += 1
        if len(self.kept) < self.limit:
            self.kept.append(Problem(line, None if field is None else shown(field), shown(reason, limit=MAX_REASON_CHARS)))

    def __bool__(self):
        return self.total > 0

    def raise_if_any(self, name: str):
        if self.total:
            raise FileRefused(name, self.kept, self.total)


class FileRefused(Exception):
    """The file was not imported: nothing of it was written."""

    def __init__(self, name: str, problems: list[Problem], total: int):
        self.name = name
        self.problems = problems
        self.total = total
        super().__init__(self.summary())

    def summary(self) -> str:
        return f"{self.name} refused: {self.total} problem{'s' if self.total != 1 else ''}, nothing was imported"

    def lines(self) -> list[str]:
        shown = [str(problem) for problem in self.problems]
        if self.total > len(self.problems):
            shown.append(f"... and {self.total - len(self.problems)} more problems")
        return shown

    def as_dict(self) -> dict:
        return {
            "detail": self.summary(),
            "problem_count": self.total,
            "problems": [problem.as_dict() for problem in self.problems],
        }


def shown(text: str, limit: int | None = MAX_SHOWN_CHARS) -> str:
    """`text` safe to print and to send as UTF-8 JSON: problems quote the file, and a NUL or a
    lone surrogate quoted as it is would break the terminal or the API response."""
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if text_problem(text) is not None:
        text = text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def unknown_key(key: str, known, what: str = "field") -> str:
    """The reason given for a key a format does not have: a misspelt key must not be ignored,
    since the import would then take the field as absent ("lables" would remove the
    product's labels)."""
    return f"unknown {what}; the known ones are {', '.join(known)}{did_you_mean(key, known)}"


def did_you_mean(key: str, candidates) -> str:
    close = difflib.get_close_matches(key, candidates, n=1) if len(key) <= MAX_SHOWN_CHARS else []
    return f" (did you mean {close[0]!r}?)" if close else ""
