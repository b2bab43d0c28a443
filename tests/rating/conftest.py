from collections.abc import Sequence
from pathlib import Path

import polars as pl
import pytest

from guichet.catalog.schema import load_catalog
from guichet.rating import USAGE_COLUMNS, Tariff, tariff_for_plan

DATA = Path(__file__).resolve().parents[2] / "src" / "guichet" / "catalog" / "data"
LINE = "+33611111111"
AT = "2026-11-02T10:00:00+01:00"


@pytest.fixture(scope="session")
def tariff() -> Tariff:
    return tariff_for_plan(load_catalog(DATA), "woot-100go")


def record(
    record_id: str = "r1",
    *,
    service: str = "voice",
    direction: str = "out",
    visited: str = "FR",
    other: str | None = "+33612345678",
    duration: str | None = "60",
    volume: str | None = None,
    line: str = LINE,
    started_at: str = AT,
) -> dict[str, str | None]:
    return {
        "record_id": record_id,
        "line": line,
        "started_at": started_at,
        "service": service,
        "direction": direction,
        "visited_network": visited,
        "other_party": other,
        "duration_s": duration,
        "volume_bytes": volume,
    }


def frame(rows: Sequence[dict[str, str | None]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=dict.fromkeys(USAGE_COLUMNS, pl.String))
