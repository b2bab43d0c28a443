"""SEPA direct debit throughput: N invoices (GUICHET_BENCH_DIRECT_DEBITS, default 2,000) of
12.99 €, each pre-notified under an active mandate, collected for one date (debits, pain.008
files of 1,000 debits checked against the ISO 20022 schema, written to a folder), collected
again (idempotent: nothing made), settled (one transaction per chunk of 1,000 debits, their
payments recorded on the invoices by billing's bulk settlement), then one pain.002 report
returning a tenth of them applied.

The database is a temporary SQLite file, or GUICHET_BENCH_DATABASE_URL (a scratch PostgreSQL
database, which is flushed: never point it at a real one). The state before collection is
inserted with bulk_create; only the direct debit acts are timed. Runs in its own process, so
that its Django setup does not meet another benchmark's.
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

from _fixtures import bulk_accounts, database_url, setup_django

DEFAULT_DEBITS = 2_000
ISSUED = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
DUE = date(2026, 12, 15)
COLLECT_AT = datetime(2026, 12, 10, 17, 0, tzinfo=UTC)
SETTLE_AT = datetime(2026, 12, 15, 19, 0, tzinfo=UTC)
RETURN_AT = datetime(2026, 12, 17, 8, 0, tzinfo=UTC)


def _populate(count: int) -> None:
    from guichet.billing.models import Invoice, PaymentMethod
    from guichet.care.models import OutboxChannel, OutboxMessage
    from guichet.payments.models import Mandate, Prenotification

    customers, accounts = bulk_accounts(
        count, payment_method=PaymentMethod.DIRECT_DEBIT, debit_day=15, created_at=ISSUED
    )
    mandates = Mandate.objects.bulk_create(
        Mandate(
            billing_account=account,
            reference=f"{account.number}-M001",
            creditor_id="FR72ZZZ123456",
            debtor_name="Camille Martin",
            iban="FR7630006000011234567890189",
            bic="AGRIFRPPXXX",
            signed_on=date(2026, 10, 20),
            created_at=ISSUED,
        )
        for account in accounts
    )
    invoices = Invoice.objects.bulk_create(
        Invoice(
            billing_account=account,
            number=f"F2026-{n + 1:06d}",
            period_start=date(2026, 11, 1),
            period_end=date(2026, 11, 30),
            issued_on=ISSUED.date(),
            due_on=DUE,
            issued_at=ISSUED,
            payment_method=PaymentMethod.DIRECT_DEBIT,
            total_cents=1299,
            vat_cents=217,
            total_excl_vat_cents=1082,
        )
        for n, account in enumerate(accounts)
    )
    emails = OutboxMessage.objects.bulk_create(
        OutboxMessage(
            customer=customer,
            channel=OutboxChannel.EMAIL,
            recipient=customer.contact_email,
            template="direct_debit_prenotification",
            created_at=ISSUED,
            sent_at=ISSUED,
        )
        for customer in customers
    )
    Prenotification.objects.bulk_create(
        Prenotification(
            invoice=invoice,
            mandate=mandate,
            amount_cents=1299,
            debit_on=DUE,
            created_at=ISSUED,
            outbox_message=email,
        )
        for invoice, mandate, email in zip(invoices, mandates, emails, strict=True)
    )


def _status_report(end_to_end_ids: list[str]) -> bytes:
    transactions = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        "<StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>"
        for e2e in end_to_end_ids
    )
    return (
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>BENCH-RPT</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>"
        "DD20261215-001</OrgnlMsgId></OrgnlGrpInfAndSts><OrgnlPmtInfAndSts><OrgnlPmtInfId>"
        f"DD20261215-001-FRST</OrgnlPmtInfId>{transactions}</OrgnlPmtInfAndSts>"
        "</CstmrPmtStsRpt></Document>"
    ).encode()


def _timed(call):  # type: ignore[no-untyped-def]
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _measure(count: int) -> list[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as directory:
        outbox = Path(directory) / "outgoing"
        setup_django(
            database_url(directory),
            # Debug off, as in production (debug on records every query).
            debug=False,
            GUICHET_SEPA_OUTBOX_DIR=str(outbox),
            GUICHET_SECRET_KEY="benchmark-only-key",
            GUICHET_SEPA_CREDITOR_ID="FR72ZZZ123456",
            GUICHET_SEPA_CREDITOR_NAME="Operateur benchmark",
            GUICHET_SEPA_CREDITOR_IBAN="FR1420041010050500013M02606",
            GUICHET_LOG_LEVEL="ERROR",
        )
        from django.db import connection

        from guichet.payments.models import DirectDebit
        from guichet.payments.sepa_files import OutgoingDirectory, parse_status_report
        from guichet.payments.services.direct_debit import (
            direct_debit_returns_apply,
            direct_debits_collect,
            direct_debits_settle,
        )

        _populate(count)
        channel = OutgoingDirectory()

        def collect():  # type: ignore[no-untyped-def]
            return direct_debits_collect(collection_date=DUE, now=COLLECT_AT, channel=channel)

        collected, collect_s = _timed(collect)
        again, again_s = _timed(collect)
        settled, settle_s = _timed(lambda: direct_debits_settle(now=SETTLE_AT))
        returned_ids = list(
            DirectDebit.objects.order_by("id").values_list("end_to_end_id", flat=True)[::10]
        )
        report = _status_report(returned_ids)
        returned, return_s = _timed(
            lambda: direct_debit_returns_apply(report=parse_status_report(report), now=RETURN_AT)
        )
        file_bytes = sum(path.stat().st_size for path in outbox.iterdir())
        vendor = connection.vendor
        connection.close()
    return [
        ("database", vendor),
        ("pre-notified invoices", f"{count:,}"),
        ("collect", collected.summary()),
        ("collect time", f"{collect_s:.2f} s, {collected.created / collect_s:,.0f} debits/s"),
        ("files", f"{len(collected.files)} pain.008, {file_bytes / 1024:,.0f} KiB"),
        ("collect again (idempotent)", f"{again.summary()} in {again_s:.2f} s"),
        ("settle time", f"{settle_s:.2f} s, {settled.settled / settle_s:,.0f} debits/s"),
        ("returns", f"{returned.summary()} in {return_s:.2f} s"),
    ]


def run() -> list[tuple[str, str]]:
    """Measured in a child process (a fresh Django setup and database)."""
    child = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, check=True
    )
    return [
        (label, figure)
        for label, _, figure in (line.partition("\t") for line in child.stdout.splitlines())
    ]


if __name__ == "__main__":
    if "--child" in sys.argv:
        count = int(os.environ.get("GUICHET_BENCH_DIRECT_DEBITS", DEFAULT_DEBITS))
        for label, figure in _measure(count):
            print(f"{label}\t{figure}")
    else:
        for label, figure in run():
            print(f"{label:<30} {figure}")
