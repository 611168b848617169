"""Problems found in an imported file, reported all at once with their line numbers.

Imports validate the whole file before writing anything; what they find is collected here
and raised together as `FileRefused`, which the command line prints and the API returns.
"""
from dataclasses import dataclass

# Enough to show every kind of problem in a broken file without flooding a terminal or an
# API response when, say, a whole file is in the wrong encoding.
MAX_PROBLEMS = 100


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
            self.kept.append(Problem(line, field, reason))

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
