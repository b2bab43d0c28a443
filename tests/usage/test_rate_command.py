import io

import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from guichet.rating import USAGE_COLUMNS
from guichet.usage.management.commands.rate import Command

HEADER = ",".join(USAGE_COLUMNS)
CSV = f"""{HEADER},extra
c1,+33611111111,2026-11-02T10:00:00+01:00,voice,out,FR,+8613812345678,75,,x
c2,+33611111111,2026-11-02T10:05:00+01:00,voice,out,US,+33612345678,61,,x
c3,+33611111111,2026-11-02T10:06:00+01:00,fax,out,FR,+33612345678,10,,x
c4,+33611111111,2026-11-02T10:07:00+01:00,data,out,FR,,,1500,x
c1,+33611111111,2026-11-02T10:08:00+01:00,sms,out,FR,+33612345678,,,x
"""


def run(*args: str) -> str:
    stderr = io.StringIO()
    call_command(Command(), *args, stderr=stderr, stdout=io.StringIO())
    return stderr.getvalue()


def test_rate_writes_one_row_per_input_row_and_a_summary(tmp_path):
    source, target = tmp_path / "usage.csv", tmp_path / "rated.csv"
    source.write_text(CSV, encoding="utf-8")
    summary = run(str(source), "--plan", "woot-100go", "--out", str(target))
    assert summary.strip() == "read=5 rated=3 rejected=2 total_eur=3.095000"
    rated = pl.read_csv(target, infer_schema=False)
    assert rated.select("record_id", "status", "charge_eur", "reason").rows() == [
        (
            "c1",
            "rated",
            "1.875000",
            "from France to zone 3: 1.50 €/min, first minute indivisible, 75 s",
        ),
        (
            "c2",
            "rated",
            "1.220000",
            "from zone 2 to zone 1: 1.20 €/min, first minute indivisible, 61 s",
        ),
        (
            "c3",
            "rejected",
            None,
            "unknown service 'fax' (expected one of voice, video, sms, mms, data)",
        ),
        ("c4", "rated", "0.000000", "data in France: 2 Ko included"),
        ("c1", "rejected", None, "duplicate record_id 'c1' (earlier in this input)"),
    ]


def test_rate_parquet_in_and_out(tmp_path):
    source, target = tmp_path / "usage.parquet", tmp_path / "rated.parquet"
    csv = tmp_path / "usage.csv"
    csv.write_text(CSV, encoding="utf-8")
    pl.read_csv(csv, infer_schema=False).write_parquet(source)
    assert run(str(source), "--plan", "woot-100go", "--out", str(target)).startswith(
        "read=5 rated=3"
    )
    assert pl.read_parquet(target).height == 5


def test_rate_refuses_a_file_without_the_usage_columns(tmp_path):
    source = tmp_path / "usage.csv"
    source.write_text("record_id,line\nx,+33611111111\n", encoding="utf-8")
    with pytest.raises(CommandError, match="missing column"):
        run(str(source), "--plan", "woot-100go", "--out", str(tmp_path / "out.csv"))


def test_rate_refuses_an_unknown_plan(tmp_path):
    source = tmp_path / "usage.csv"
    source.write_text(CSV, encoding="utf-8")
    with pytest.raises(CommandError, match="nope"):
        run(str(source), "--plan", "nope", "--out", str(tmp_path / "out.csv"))
