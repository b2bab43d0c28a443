"""Reading usage files and writing rated ones (no Django: the benchmark and Spark jobs use it).

Every column is read as text (explicit string schema, no inference): parsing and rejection are
the rating core's job, so a malformed value becomes a rejected record with a reason, not a crash.
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from guichet.rating import (
    OUTPUT_COLUMNS,
    USAGE_COLUMNS,
    RatingResult,
    Tariff,
    micro_eur_text,
    micro_eur_text_expr,
    missing_columns,
    rate_usage,
)


class UsageFileError(ValueError):
    """The file cannot be read as a usage file at all (absent, not CSV/Parquet, columns)."""


def read_usage(path: Path) -> pl.DataFrame:
    """The usage columns of a CSV (UTF-8, header row) or Parquet file, as text; extra columns
    are ignored."""
    if not path.is_file():
        raise UsageFileError(f"{path}: no such file")
    try:
        if path.suffix.lower() == ".parquet":
            frame = pl.read_parquet(path)
        else:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except (pl.exceptions.PolarsError, OSError) as error:
        raise UsageFileError(f"{path}: not a readable usage file ({error})") from error
    missing = missing_columns(frame.columns)
    if missing:
        raise UsageFileError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame.select(pl.col(name).cast(pl.String) for name in USAGE_COLUMNS)


def rated_for_output(result: RatingResult) -> pl.DataFrame:
    """The rated records with `charge_eur` (decimal text, 6 decimals, never rounded to cents)."""
    return result.records.with_columns(
        charge_eur=micro_eur_text_expr(pl.col("charge_micro_eur"))
    ).select(*OUTPUT_COLUMNS[:8], "charge_eur", *OUTPUT_COLUMNS[8:])


def write_rated(frame: pl.DataFrame, path: Path) -> None:
    if path.suffix.lower() == ".parquet":
        frame.write_parquet(path)
    else:
        frame.write_csv(path)


@dataclass(frozen=True, slots=True)
class FileRating:
    result: RatingResult

    @property
    def summary(self) -> str:
        r = self.result
        return (
            f"read={r.read} rated={r.rated} rejected={r.rejected} "
            f"total_eur={micro_eur_text(r.total_micro_eur)}"
        )


def rate_file(source: Path, target: Path, *, tariff: Tariff) -> FileRating:
    """Read, rate (fresh period, no options) and write one file."""
    result = rate_usage(read_usage(source), tariff=tariff)
    write_rated(rated_for_output(result), target)
    return FileRating(result)
