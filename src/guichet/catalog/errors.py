"""Typed errors of the catalog context. Pure Python: the schema (and so the rating engine) raise
them without Django."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class CatalogErrorCode(StrEnum):
    INVALID_DATA = "invalid_data"
    VERSION_NOT_BUMPED = "version_not_bumped"
    NOT_LOADED = "not_loaded"
    UNKNOWN_PRODUCT = "unknown_product"
    UNKNOWN_COUNTRY = "unknown_country"
    UNKNOWN_ZONE = "unknown_zone"
    UNKNOWN_RATE = "unknown_rate"


@dataclass(frozen=True)
class Problem:
    """One thing wrong in the data files: where (file, entry, field) and what."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.entry}: {self.field}: {self.message}"


@dataclass(eq=False)
class CatalogError(Exception):
    """A refusal of the catalog, with a code, a message naming what was wrong, and for invalid
    data files the list of problems found (all of them, not only the first)."""

    code: CatalogErrorCode
    message: str
    problems: tuple[Problem, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        return f"{self.message}\n{lines}"
