"""The usage-record schema (issue 3, "Input: usage records") and its validation, in columns.

Every input column is read as text; parsing happens here so that a bad value becomes a rejection
reason naming the column and the value, never a crash and never a dropped row.
"""

from collections.abc import Collection

import polars as pl

from guichet.rating.tariff import HOME, SATELLITE_NETWORK, Tariff

USAGE_COLUMNS = (
    "record_id",
    "line",
    "started_at",
    "service",
    "direction",
    "visited_network",
    "other_party",
    "duration_s",
    "volume_bytes",
)
SERVICES = ("voice", "video", "sms", "mms", "data")
CALLS = ("voice", "video")
DIRECTIONS = ("out", "in")

E164 = r"^\+[1-9][0-9]{4,14}$"
NATIONAL_DIGITS = r"^[0-9]{2,15}$"
FRENCH_NATIONAL = r"^0[1-9][0-9]{8}$"
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"  # ISO 8601 with an offset; fraction optional


class UsageSchemaError(ValueError):
    """The input as a whole cannot be rated (a required column is missing)."""


def missing_columns(columns: Collection[str]) -> list[str]:
    return [name for name in USAGE_COLUMNS if name not in columns]


def _text(name: str) -> pl.Expr:
    return pl.col(name).str.strip_chars()


def _shown(name: str) -> pl.Expr:
    """The raw value, quoted, for a reason."""
    return pl.concat_str([pl.lit("'"), pl.col(name).fill_null(""), pl.lit("'")])


def parse_columns(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """Add typed columns (`started`, `origin`, `duration`, `volume`) and `reason`, the first
    problem found on the row (null when the row is valid so far)."""
    missing = missing_columns(frame.columns)
    if missing:
        raise UsageSchemaError(f"missing column(s): {', '.join(missing)}")
    visited = pl.DataFrame(
        {"_visited": list(tariff.visited_zones), "origin": list(tariff.visited_zones.values())},
        schema={"_visited": pl.String, "origin": pl.String},
    )
    parsed = frame.with_columns(
        started=pl.col("started_at")
        .str.strip_chars()
        .str.replace(r"Z$", "+00:00")
        .str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_zone="UTC"),
        duration=_text("duration_s").cast(pl.Int64, strict=False),
        volume=_text("volume_bytes").cast(pl.Int64, strict=False),
        _visited=_text("visited_network"),
    ).join(visited, on="_visited", how="left", maintain_order="left")
    service, direction = _text("service"), _text("direction")
    is_call = service.is_in(CALLS)
    is_data = service == "data"
    reasons = [
        _when(_empty("record_id"), pl.lit("missing record_id")),
        _when(_empty("line"), pl.lit("missing line")),
        _when(
            ~_text("line").str.contains(E164),
            pl.format("unparseable line {} (expected E.164 such as +33611111111)", _shown("line")),
        ),
        _when(_empty("started_at"), pl.lit("missing started_at")),
        _when(
            pl.col("started").is_null(),
            pl.format(
                "unparseable started_at {} (expected ISO 8601 with an offset)",
                _shown("started_at"),
            ),
        ),
        _when(_empty("service"), pl.lit("missing service")),
        _when(
            ~service.is_in(SERVICES),
            pl.format(
                "unknown service {} (expected one of {})",
                _shown("service"),
                pl.lit(", ".join(SERVICES)),
            ),
        ),
        _when(
            ~direction.is_in(DIRECTIONS),
            pl.format("unknown direction {} (expected out or in)", _shown("direction")),
        ),
        _when(is_data & (direction == "in"), pl.lit("direction 'in' is not valid for data")),
        _when(_empty("visited_network"), pl.lit("missing visited_network")),
        _when(
            pl.col("origin").is_null(),
            pl.format(
                "unknown visited_network {} (expected an ISO 3166-1 alpha-2 code, {} or {})",
                _shown("visited_network"),
                pl.lit(HOME),
                pl.lit(SATELLITE_NETWORK),
            ),
        ),
        *_quantity_reasons("duration_s", "duration", is_call, "a call"),
        *_quantity_reasons("volume_bytes", "volume", is_data, "data"),
        _when(~is_data & _empty("other_party"), pl.lit("missing other_party")),
    ]
    return parsed.with_columns(reason=pl.coalesce(reasons))


def _quantity_reasons(column: str, parsed: str, applies: pl.Expr, what: str) -> list[pl.Expr]:
    return [
        _when(applies & _empty(column), pl.lit(f"missing {column} for {what}")),
        _when(
            applies & pl.col(parsed).is_null(),
            pl.format(f"unparseable {column} {{}} (expected a whole number)", _shown(column)),
        ),
        _when(
            applies & (pl.col(parsed) < 0),
            pl.format(f"negative {column} {{}}", pl.col(parsed)),
        ),
    ]


def _empty(name: str) -> pl.Expr:
    return pl.col(name).is_null() | (_text(name) == "")


def _when(condition: pl.Expr, reason: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(reason).otherwise(pl.lit(None, dtype=pl.String))
