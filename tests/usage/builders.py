"""Usage files and lines with chosen numbers, for the import tests."""

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from guichet.billing.models import BillingAccount
from guichet.catalog.models import Market
from guichet.lines.models import Line
from guichet.lines.services import line_activate, line_create, subscription_add
from tests.billing.builders import product
from tests.customers.builders import SYSTEM
from tests.lines.builders import new_iccid
from tests.rating.conftest import frame


def numbered_line(
    account: BillingAccount, msisdn: str, *, activated_at: datetime, plan: str = "woot-100go"
) -> Line:
    """A mobile line with this number on `plan`, activated at `activated_at`."""
    line = line_create(
        billing_account=account,
        market=Market.MOBILE,
        msisdn=msisdn,
        iccid=new_iccid(),
        puk="12345678",
        actor=SYSTEM,
        now=activated_at,
    )
    subscription_add(line=line, product=product(plan), actor=SYSTEM, now=activated_at)
    return line_activate(line=line, actor=SYSTEM, now=activated_at)


def usage_file(path: Path, rows: Sequence[dict[str, str | None]]) -> Path:
    """`rows` (tests.rating.conftest.record) as a usage file, CSV or Parquet by its suffix."""
    records = frame(rows)
    if path.suffix == ".parquet":
        records.write_parquet(path)
    else:
        records.write_csv(path)
    return path
