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
Check = tuple[pl.Expr, pl.Expr]  # (condition, reason when it holds)
TIMESTAMP_FORMAT = "%Y-%m-%dT%H:%M:%S%.f%z"  # ISO 8601 with an offset; fraction optional
# The usual shape of `started_at`, which TIMESTAMP_FORMAT reads as its date and time (ASCII
# digits, seconds below 60) less its offset (less than a day).
PLAIN_TIMESTAMP = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-5][0-9][+-](?:[01][0-9]|2[0-3]):[0-5][0-9]$"
)


class UsageSchemaError(ValueError):
    """The input as a whole cannot be rated (a required column is missing)."""


def missing_columns(columns: Collection[str]) -> list[str]:
    return [name for name in USAGE_COLUMNS if name not in columns]


# The columns `parse_columns` strips once, keeping the value as read in `raw(name)` (reasons
# quote it, rejected records show it).
STRIPPED = (
    "record_id",
    "line",
    "service",
    "direction",
    "visited_network",
    "other_party",
    "duration_s",
    "volume_bytes",
)


def raw(name: str) -> str:
    """The column holding the value of `name` as read, before `parse_columns` stripped it."""
    return f"_raw_{name}"


def _text(name: str) -> pl.Expr:
    return pl.col(name) if name in STRIPPED else pl.col(name).str.strip_chars()


def _shown(name: str) -> pl.Expr:
    """The raw value, quoted, for a reason."""
    column = raw(name) if name in STRIPPED else name
    return pl.concat_str([pl.lit("'"), pl.col(column).fill_null(""), pl.lit("'")])


def parse_columns(frame: pl.DataFrame, tariff: Tariff) -> pl.DataFrame:
    """Strip the STRIPPED columns (the values as read stay in `raw(name)`), add typed columns
    (`started`, `origin`, `duration`, `volume`) and `reason`, the first problem found on the
    row (null when the row is valid so far)."""
    missing = missing_columns(frame.columns)
    if missing:
        raise UsageSchemaError(f"missing column(s): {', '.join(missing)}")
    # One chunk per column, so that the columns later put beside the frame (`looked_up`, the
    # scattered destinations) line up with its own: Polars 2.1 panics on string expressions over
    # columns of one frame whose chunks differ (a chunked read gives many chunks).
    # The values as read are then the same buffers under a second name.
    frame = frame.rechunk().with_columns(pl.col(name).alias(raw(name)) for name in STRIPPED)
    # Stripping copies every value and surrounding whitespace is rare: a value that passes its
    # column's check (an E.164 line, a service, a whole number…) has none, so such a column is
    # stripped only when a value that fails the check has some.
    frame = _stripped(frame, [name for name in UNCHECKED if _spaced(frame.get_column(name))])
    parsed = _parsed(frame, tariff, CHECKED)
    spaced = [name for name in CHECKED if _spaced(_failed(frame, parsed, name))]
    if spaced:
        frame = _stripped(frame, spaced)
        parsed = parsed.with_columns(_parsed(frame, tariff, spaced))
    parsed = parsed.with_columns(started=parse_started(frame))
    frame = frame.with_columns(parsed.select(*TYPED))
    service, direction = _text("service"), _text("direction")
    is_call = service.is_in(CALLS)
    is_data = service == "data"
    reasons: list[Check] = [
        _check(_empty("record_id"), pl.lit("missing record_id")),
        _check(_empty("line"), pl.lit("missing line")),
        _check(
            ~_text("line").str.contains(E164),
            pl.format("unparseable line {} (expected E.164 such as +33611111111)", _shown("line")),
        ),
        _check(_empty("started_at"), pl.lit("missing started_at")),
        _check(
            pl.col("started").is_null(),
            pl.format(
                "unparseable started_at {} (expected ISO 8601 with an offset)",
                _shown("started_at"),
            ),
        ),
        _check(_empty("service"), pl.lit("missing service")),
        _check(
            ~service.is_in(SERVICES),
            pl.format(
                "unknown service {} (expected one of {})",
                _shown("service"),
                pl.lit(", ".join(SERVICES)),
            ),
        ),
        _check(
            ~direction.is_in(DIRECTIONS),
            pl.format("unknown direction {} (expected out or in)", _shown("direction")),
        ),
        _check(is_data & (direction == "in"), pl.lit("direction 'in' is not valid for data")),
        _check(_empty("visited_network"), pl.lit("missing visited_network")),
        _check(
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
        _check(~is_data & _empty("other_party"), pl.lit("missing other_party")),
    ]
    reason = pl.coalesce([_when(condition, reason) for condition, reason in reasons])
    return frame.with_columns(reason=sparse_text(frame, reason, flagged=~_valid(frame, parsed)))


TYPED = ("started", "duration", "volume", "_visited", "origin")
# The stripped columns without a check that tells values without surrounding whitespace: looked
# at whole. The others are, on the values that fail their check (`_parsers`).
UNCHECKED = ("record_id", "other_party")
CHECKED = ("line", "service", "direction", "visited_network", "duration_s", "volume_bytes")


def _parsers(tariff: Tariff) -> dict[str, tuple[dict[str, pl.Expr], pl.Expr]]:
    """For each CHECKED column: the columns computed from it (typed, or whether the value passes
    its check), and which of its values fail the check (a value that passes it has no
    surrounding whitespace)."""
    service, direction = pl.col("service"), pl.col("direction")
    # Comparisons with each of a few names: cheaper than a hashed `is_in`.
    return {
        "line": ({"_line_ok": pl.col("line").str.contains(E164)}, ~pl.col("_line_ok")),
        "service": (
            {"_service_ok": pl.any_horizontal(service == name for name in SERVICES)},
            ~pl.col("_service_ok"),
        ),
        "direction": (
            {"_direction_ok": pl.any_horizontal(direction == name for name in DIRECTIONS)},
            ~pl.col("_direction_ok"),
        ),
        "visited_network": (
            {"_visited": pl.col("visited_network")},  # and `origin`: see `_parsed`
            pl.col("origin").is_null(),
        ),
        "duration_s": (
            {"duration": pl.col("duration_s").cast(pl.Int64, strict=False)},
            pl.col("duration").is_null(),
        ),
        "volume_bytes": (
            {"volume": pl.col("volume_bytes").cast(pl.Int64, strict=False)},
            pl.col("volume").is_null(),
        ),
    }


def _parsed(frame: pl.DataFrame, tariff: Tariff, names: Collection[str]) -> pl.DataFrame:
    """The columns `_parsers` computes from the CHECKED columns `names` of `frame` as it is
    (stripped or not), and `_failed_<name>`: the values of `name` that fail its check."""
    parsers = _parsers(tariff)
    # Eager: a lazy query's columns come in several chunks (see `parse_columns`).
    parsed = frame.select(
        *names,
        *(expr.alias(column) for name in names for column, expr in parsers[name][0].items()),
    )
    if "visited_network" in names:
        parsed = parsed.with_columns(_origins(frame.get_column("visited_network"), tariff))
    return parsed.with_columns(
        (pl.col(name).is_not_null() & parsers[name][1]).fill_null(False).alias(f"_failed_{name}")
        for name in names
    ).drop(names)


def _origins(visited: pl.Series, tariff: Tariff) -> pl.Series:
    """`origin`, the zone of each visited network (null for an unknown one). Most records are
    made at home: only the others are looked up (a third of the cost of looking up all)."""
    abroad = (visited != HOME).fill_null(True)
    positions = true_positions(abroad)
    found = visited.filter(abroad).replace_strict(
        dict(tariff.visited_zones), default=None, return_dtype=pl.String
    )
    home = tariff.visited_zones.get(HOME)
    origins = pl.repeat(home, visited.len(), dtype=pl.String, eager=True).alias("origin")
    return origins.scatter(positions, found) if found.len() else origins


def _failed(frame: pl.DataFrame, parsed: pl.DataFrame, name: str) -> pl.Series:
    failed = parsed.get_column(f"_failed_{name}")
    values = frame.get_column(name)
    return values.filter(failed) if failed.any() else values.clear()


def _valid(frame: pl.DataFrame, parsed: pl.DataFrame) -> pl.Series:
    """False on every row with a reason (and maybe on a few others): the rows where
    `parse_columns` looks for it. One cheap pass instead of every check on every row."""
    service = pl.col("service")
    is_data = service == "data"
    is_call = pl.any_horizontal(service == name for name in CALLS)
    duration, volume = pl.col("duration"), pl.col("volume")
    valid = pl.all_horizontal(
        _present("record_id"),
        pl.col("_line_ok"),
        pl.col("started").is_not_null(),
        pl.col("_service_ok"),
        pl.col("_direction_ok"),
        ~(is_data & (pl.col("direction") == "in")),
        _present("visited_network"),
        pl.col("origin").is_not_null(),
        ~is_call | (duration.is_not_null() & (duration >= 0)),
        ~is_data | (volume.is_not_null() & (volume >= 0)),
        is_data | _present("other_party"),
    )
    return (
        pl.concat([frame.select(*STRIPPED), parsed.drop("_visited")], how="horizontal")
        .lazy()
        .select(valid.fill_null(False))
        .collect()
        .to_series()
    )


def _present(name: str) -> pl.Expr:
    return pl.col(name).is_not_null() & (pl.col(name) != "")


def _spaced(values: pl.Series) -> bool:
    """Whether some value may start or end with whitespace (a byte that is not printable ASCII:
    the Unicode spaces stripped are not ASCII): two bytes per value, cheaper than stripping."""
    binary = (values.drop_nulls() if values.has_nulls() else values).cast(pl.Binary)
    for end in (0, -1):
        byte = binary.bin.get(end, null_on_oob=True)
        low, high = byte.min(), byte.max()
        if low is not None and (low <= ord(" ") or high >= 0x80):  # type: ignore[operator]
            return True
    return False


def _stripped(frame: pl.DataFrame, names: Collection[str]) -> pl.DataFrame:
    return frame.with_columns(pl.col(name).str.strip_chars() for name in names)


def looked_up(frame: pl.DataFrame, table: pl.DataFrame, *, on: str | list[str]) -> pl.DataFrame:
    """`frame` with the other columns of `table` (one row per key, `on`), null where no row
    matches: a left join of the key columns alone, whose result is put beside `frame`, so that
    the (wide) frame is not copied row by row."""
    keys = [on] if isinstance(on, str) else on
    found = (
        frame.select(keys)
        .join(table, on=keys, how="left", maintain_order="left", nulls_equal=False)
        .drop(keys)
    )
    return frame.with_columns(found)


def parse_started(frame: pl.DataFrame) -> pl.Series:
    """`started_at` as an aware UTC datetime, null when it is not ISO 8601 with an offset."""
    text = frame.get_column("started_at")
    if _spaced(text):
        text = text.str.strip_chars()
    started = _timestamps(text).alias("started")
    # The "Z" (UTC) offset, which the format does not read, is rewritten only on the rows that
    # end with it and did not parse: a regex replacement on every row costs half the parsing.
    failed = started.is_null() & text.is_not_null()
    if not failed.any():
        return started
    zulu = failed & text.str.ends_with("Z")
    if not zulu.any():
        return started
    rows = _read(text.filter(zulu).str.replace(r"Z$", "+00:00"))
    return started.scatter(true_positions(zulu), rows)


def _read(text: pl.Series) -> pl.Series:
    return text.str.to_datetime(TIMESTAMP_FORMAT, strict=False, time_zone="UTC", time_unit="us")


# Out of this many first values, more distinct ones than this: timestamps to the second.
SAMPLED, DISTINCT = 2048, 512


def _timestamps(text: pl.Series) -> pl.Series:
    """`_read(text)`. Polars reads an offset (%z) through chrono, value by value (0.3 µs), but
    each distinct value once: fine for timestamps to the minute, many of which are alike. Else
    the PLAIN_TIMESTAMP ones are read as a local date and time (Polars' own parser, ten times
    faster) less their offset; the others as before."""
    if text.head(SAMPLED).n_unique() <= DISTINCT:
        return _read(text)
    plain = text.str.contains(PLAIN_TIMESTAMP).fill_null(False)
    local = text.str.slice(0, 19).str.to_datetime(
        "%Y-%m-%dT%H:%M:%S", strict=False, time_unit="us", cache=False
    )
    offset = text.str.slice(19)
    # A few distinct offsets (+01:00, +02:00…), in minutes east of UTC.
    minutes = {
        value: (-1 if value[0] == "-" else 1) * (int(value[1:3]) * 60 + int(value[4:6]))
        for value in offset.filter(plain).unique().to_list()
    }
    east = offset.replace_strict(minutes, default=None, return_dtype=pl.Int64)
    utc = pl.select(pl.when(plain).then(local - pl.duration(minutes=pl.lit(east)))).to_series()
    utc = utc.dt.replace_time_zone("UTC")
    rest = utc.is_null() & text.is_not_null()
    if not rest.any():
        return utc
    return utc.scatter(true_positions(rest), _read(text.filter(rest)))


def _quantity_reasons(column: str, parsed: str, applies: pl.Expr, what: str) -> list[Check]:
    return [
        _check(applies & _empty(column), pl.lit(f"missing {column} for {what}")),
        _check(
            applies & pl.col(parsed).is_null(),
            pl.format(f"unparseable {column} {{}} (expected a whole number)", _shown(column)),
        ),
        _check(
            applies & (pl.col(parsed) < 0),
            pl.format(f"negative {column} {{}}", pl.col(parsed)),
        ),
    ]


def _empty(name: str) -> pl.Expr:
    return pl.col(name).is_null() | (_text(name) == "")


def _when(condition: pl.Expr, reason: pl.Expr) -> pl.Expr:
    return pl.when(condition).then(reason).otherwise(pl.lit(None, dtype=pl.String))


def _check(condition: pl.Expr, reason: pl.Expr) -> Check:
    return condition, reason


def first_reason(frame: pl.DataFrame, checks: list[Check]) -> pl.Series:
    """The reason of the first check that holds (with a non-null reason) on each row."""
    return sparse_text(
        frame,
        pl.coalesce([_when(condition, reason) for condition, reason in checks]),
        flagged=pl.any_horizontal(condition.fill_null(False) for condition, _ in checks),
    )


def sparse_text(frame: pl.DataFrame, text: pl.Expr, *, flagged: pl.Expr | pl.Series) -> pl.Series:
    """`text` on `frame`, computed only on the rows where `flagged` holds (null elsewhere):
    `when(...).then(format(...))` formats every row, and a reason is rare. `flagged` must hold on
    every row where `text` is not null (a superset is fine)."""
    if isinstance(flagged, pl.Series):
        mask = flagged.fill_null(False)
    else:
        mask = frame.lazy().select(flagged.fill_null(False)).collect().to_series()
    if not mask.any():
        return pl.repeat(None, frame.height, dtype=pl.String, eager=True).alias("reason")
    found = frame.lazy().filter(mask).select(text.cast(pl.String).alias("reason")).collect()
    return spread(found, mask).to_series()


def true_positions(mask: pl.Series) -> pl.Series:
    """The positions where `mask` holds (`arg_true`), by filtering a range: ten times cheaper
    than `arg_true` in Polars 2.1."""
    return pl.int_range(mask.len(), dtype=pl.UInt32, eager=True).filter(mask)


def spread(values: pl.DataFrame, mask: pl.Series) -> pl.DataFrame:
    """`values`, one row per row of `mask` that holds (in order), put at those rows: null on the
    others."""
    positions = true_positions(mask)
    return pl.DataFrame(
        [_spread(column, positions, mask.len()) for column in values.iter_columns()]
    )


def _spread(column: pl.Series, positions: pl.Series, height: int) -> pl.Series:
    full = pl.repeat(None, height, dtype=column.dtype, eager=True).alias(column.name)
    nulls = column.null_count()
    if nulls == column.len():
        return full
    if nulls > column.len() // 2:
        # Mostly null (reasons, special numbers): only the values are put in place.
        present = column.is_not_null()
        return full.scatter(positions.filter(present), column.filter(present))
    return full.scatter(positions, column)
