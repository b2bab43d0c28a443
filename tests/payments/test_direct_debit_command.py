"""`guichet direct-debit …` from the pre-notification to the bank's return file, on the clock
of each day it runs."""

from datetime import datetime
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from guichet.billing.models import Invoice, InvoiceStatus
from guichet.catalog.models import CatalogRelease
from guichet.payments.models import DirectDebit, DirectDebitStatus
from tests.billing.builders import paris
from tests.payments.builders import direct_debit_account, issue

pytestmark = pytest.mark.django_db


def run(*args: str, at: datetime) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    with time_machine.travel(at, tick=False):
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue().strip()


def status_report(path: Path, *, end_to_end_ids: list[str]) -> Path:
    """A pain.002.001.03 report returning each debit for insufficient funds (AM04)."""
    transactions = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        "<StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf></TxInfAndSts>"
        for e2e in end_to_end_ids
    )
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>BANK-RPT-0001</MsgId><CreDtTm>2026-12-17T07:00:00</CreDtTm></GrpHdr>"
        "<OrgnlGrpInfAndSts><OrgnlMsgId>DD20261215-001</OrgnlMsgId>"
        "<OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId></OrgnlGrpInfAndSts>"
        "<OrgnlPmtInfAndSts><OrgnlPmtInfId>DD20261215-001-FRST</OrgnlPmtInfId>"
        f"{transactions}</OrgnlPmtInfAndSts></CstmrPmtStsRpt></Document>",
        encoding="utf-8",
    )
    return path


def test_from_prenotification_to_return(
    loaded_catalog: CatalogRelease, sepa_creditor: Path, tmp_path: Path
) -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)

    assert run("direct-debit", "prenotify", at=paris(2026, 12, 2, 10)) == ("sent=1 refused=0", "")
    run("outbox", "send", at=paris(2026, 12, 2, 10))
    collected = run("direct-debit", "collect", "--date", "2026-12-15", at=paris(2026, 12, 10))
    again = run("direct-debit", "collect", "--date", "2026-12-15", at=paris(2026, 12, 10, 11))
    settled = run("direct-debit", "settle", at=paris(2026, 12, 15, 20))
    report = status_report(
        tmp_path / "pain002.xml",
        end_to_end_ids=[f"{invoice.number}-20261215", "F2026-999999-20261215"],
    )
    returned = run("direct-debit", "returns", str(report), at=paris(2026, 12, 17))
    replayed = run("direct-debit", "returns", str(report), at=paris(2026, 12, 18))

    assert collected == (
        "date=2026-12-15 created=1 existing=0 refused=0 nothing_owed=0 files=1 total_eur=12.99",
        "",
    )
    assert again[0] == (
        "date=2026-12-15 created=0 existing=1 refused=0 nothing_owed=0 files=0 total_eur=12.99"
    )
    assert (sepa_creditor / "DD20261215-001.pain.008.001.02.xml").exists()
    assert settled == ("settled=1 failed=0", "")
    assert returned == (
        "applied=1 already=0 unknown=1 mismatched=0",
        "unknown debit F2026-999999-20261215: not applied",
    )
    assert replayed[0] == "applied=0 already=1 unknown=1 mismatched=0"
    debit = DirectDebit.objects.get()
    assert (debit.status, debit.return_reason_code) == (DirectDebitStatus.RETURNED, "AM04")
    invoice = Invoice.objects.get(pk=invoice.pk)
    assert (invoice.status, invoice.paid_cents) == (InvoiceStatus.UNPAID, 0)


def test_a_late_prenotification_is_reported(loaded_catalog: CatalogRelease) -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)

    out, err = run("direct-debit", "prenotify", at=paris(2026, 12, 7))

    assert out == "sent=0 refused=1"
    assert err.startswith(f"invoice={invoice.number} refused: La facture {invoice.number} est due")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("collect", "--date", "15/12/2026"), "--date '15/12/2026': expected a date as YYYY-MM-DD"),
        (
            ("collect", "--date", "2026-12-10"),
            "Un fichier de prélèvement envoyé le 10/12/2026 peut demander le 11/12/2026 au plus"
            " tôt (un jour ouvré TARGET2 avant) : le 10/12/2026 est trop tôt.",
        ),
        (("returns", "/nonexistent/pain002.xml"), "/nonexistent/pain002.xml: No such file"),
    ],
)
def test_bad_arguments_are_refused_clearly(args: tuple[str, ...], message: str, db: None) -> None:
    with pytest.raises(CommandError) as refused:
        run("direct-debit", *args, at=paris(2026, 12, 10))

    assert str(refused.value).startswith(message)


def test_a_file_that_is_not_a_report_is_refused(db: None, tmp_path: Path) -> None:
    path = tmp_path / "camt.xml"
    path.write_text('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>')

    with pytest.raises(CommandError) as refused:
        run("direct-debit", "returns", str(path), at=paris(2026, 12, 17))

    assert str(refused.value) == (
        "Le fichier de retour de la banque n'est pas lisible : ce n'est pas un rapport"
        " pain.002.001.03 (élément racine"
        " {urn:iso:std:iso:20022:tech:xsd:camt.054.001.02}Document)."
    )
