import random

import polars as pl
import pytest

from guichet.rating import rate_usage
from guichet.rating.records import STRIPPED, parse_columns, raw
from tests.rating.conftest import frame, record

SPACES = [" ", "\t", "\u00a0", "\u3000", "\u2009"]  # ASCII and Unicode whitespace


def _records() -> list[dict[str, str | None]]:
    return [
        record("v1"),
        record("v2", service="sms", duration=None, other="+12125551234"),
        record("v3", service="data", other=None, duration=None, volume="1500", visited="DE"),
        record("v4", other="3179"),
        record("v5", service="fax"),
        record("v6", duration="-3"),
        record("v7", visited="XX", other="0612345678"),
        record("v8", direction="sideways", other="+33800123456"),
        record("v9", started_at="2026-11-02T09:00:00Z", other="+8816123456"),
    ]


@pytest.mark.parametrize("column", ["record_id", "line", "started_at", *STRIPPED[2:]])
def test_a_value_with_surrounding_whitespace_rates_like_the_value(tariff, column):
    """Columns are stripped only when some value needs it: a single spaced value among clean
    ones is still found and stripped, whatever whitespace surrounds it."""
    rng = random.Random(column)
    clean = _records()
    spaced = []
    for row in clean:
        value = row[column]
        if value is not None:
            value = f"{rng.choice(SPACES)}{value}{rng.choice(SPACES)}"
        spaced.append(row | {column: value})
    expected = rate_usage(frame(clean), tariff=tariff).records
    got = rate_usage(frame(spaced), tariff=tariff).records
    rated = pl.col("status") == "rated"
    assert (
        got.filter(rated)
        .drop(column, strict=False)
        .equals(expected.filter(rated).drop(column, strict=False))
    )
    assert got.get_column("status").to_list() == expected.get_column("status").to_list()


def test_values_without_whitespace_are_kept_as_read(tariff):
    parsed = parse_columns(frame(_records()).with_row_index("_row"), tariff)
    for name in STRIPPED:
        assert parsed.get_column(name).equals(parsed.get_column(raw(name)), check_names=False)
