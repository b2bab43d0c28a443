"""SEPA direct debit on the real brochure catalog, through the real services: mandates, the
debit day, pre-notification (CGS 7.1), collection, settlement and returns."""

import logging
from datetime import date, datetime
from pathlib import Path

import pytest
from django.core import mail
from lxml import etree
from pytest_django.fixtures import Settings

from guichet.billing.errors import BillingError, BillingErrorCode
from guichet.billing.models import (
    BillingAccount,
    Invoice,
    InvoiceLineKind,
    InvoiceStatus,
    OneOffCharge,
    PaymentMethod,
)
from guichet.billing.services import billing_account_set_payment_method
from guichet.billing.settlement import invoice_payment_record
from guichet.care.actors import Actor
from guichet.care.acts import Act
from guichet.care.models import Activity, OutboxMessage
from guichet.catalog.models import CatalogRelease
from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.models import (
    DirectDebit,
    DirectDebitBatch,
    DirectDebitStatus,
    Mandate,
    MandateStatus,
    Prenotification,
)
from guichet.payments.selectors.direct_debit import mandate_active_for
from guichet.payments.sepa_files import OutgoingDirectory, Rejection, StatusReport
from guichet.payments.services.direct_debit import (
    CollectReport,
    debit_day_change,
    direct_debit_return,
    direct_debit_returns_apply,
    direct_debits_collect,
    direct_debits_settle,
    mandate_revoke,
    prenotification_send,
    prenotifications_send,
)
from tests.billing.builders import open_account, paris, woot_line
from tests.customers.builders import SYSTEM, as_customer, make_advisor
from tests.payments.builders import (
    COLLECTED_AT,
    DECEMBER,
    DUE_ON,
    IBAN,
    ISSUED_AT,
    SETTLED_AT,
    collected,
    direct_debit_account,
    issue,
    prenotified,
    send_outbox,
    sign,
)

pytestmark = pytest.mark.django_db

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}


@pytest.fixture(autouse=True)
def _catalog(loaded_catalog: CatalogRelease) -> CatalogRelease:
    return loaded_catalog


def card_account() -> BillingAccount:
    return open_account(payment_method=PaymentMethod.CARD, debit_day=15)


def collect(day: date = DUE_ON, *, now: datetime = COLLECTED_AT) -> CollectReport:
    return direct_debits_collect(collection_date=day, now=now, channel=OutgoingDirectory())


def acts(act: Act) -> int:
    return Activity.objects.filter(act=act).count()


# Mandates ---------------------------------------------------------------------------------------


def test_signing_a_mandate_switches_the_account_to_direct_debit() -> None:
    account = card_account()

    mandate = sign(
        account, iban="fr76 3000 6000 0112 3456 7890 189", actor=as_customer(account.customer)
    )

    account.refresh_from_db()
    assert account.payment_method == PaymentMethod.DIRECT_DEBIT
    assert (mandate.reference, mandate.creditor_id) == (f"{account.number}-M001", "FR72ZZZ123456")
    assert (mandate.iban, mandate.bic, mandate.status) == (
        IBAN,
        "AGRIFRPPXXX",
        MandateStatus.ACTIVE,
    )
    assert mandate.masked_iban == "FR76 **** **** **** **** ***0 189"
    assert mandate.signed_on == date(2026, 10, 20)
    signed = Activity.objects.get(act=Act.MANDATE_SIGN)
    assert signed.summary == (
        f"Mandat de prélèvement SEPA {mandate.reference} signé le 20/10/2026"
        " (compte FR76 **** **** **** **** ***0 189)"
    )
    assert IBAN not in str(signed.new_values)
    assert acts(Act.BILLING_ACCOUNT_SET_PAYMENT_METHOD) == 1
    (email,) = OutboxMessage.objects.filter(template="sepa_mandate_signed")
    assert email.context["reference"] == mandate.reference
    assert email.context["creditor_id"] == "FR72ZZZ123456"


def _nothing_changed(account: BillingAccount) -> None:
    account.refresh_from_db()
    assert account.payment_method == PaymentMethod.CARD
    assert not Mandate.objects.exists()
    assert not Activity.objects.filter(act=Act.MANDATE_SIGN).exists()
    assert not OutboxMessage.objects.exists()


def test_invalid_iban_is_refused_logged_and_changes_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    account = card_account()
    caplog.set_level(logging.WARNING, logger="guichet.payments")

    with pytest.raises(PaymentError) as refused:
        sign(account, iban="FR76 3000 6000 0112 3456 7890 188")

    assert refused.value.code == PaymentErrorCode.IBAN_INVALID
    assert refused.value.message == (
        "L'IBAN saisi n'est pas valide : sa clé de contrôle (les deux chiffres après le code"
        " pays) ne correspond pas au reste du numéro. Vérifiez chaque caractère."
    )
    assert refused.value.extra == {"field": "iban"}
    _nothing_changed(account)
    (record,) = caplog.records
    assert record.getMessage() == (
        f"mandate_sign refused for {account.number}: {refused.value.message}"
        " [payments_iban_invalid]"
    )
    assert "7890188" not in caplog.text  # the IBAN entered is not written to the log


@pytest.mark.parametrize(
    ("overrides", "code", "message"),
    [
        (
            {"bic": "DEUTDEFF"},
            PaymentErrorCode.BIC_INVALID,
            "Le BIC DEUTDEFF est celui d'une banque du pays « DE », alors que l'IBAN est celui"
            " d'un compte « FR ».",
        ),
        (
            {"bic": "AGRIFR"},
            PaymentErrorCode.BIC_INVALID,
            "Le BIC compte 8 ou 11 caractères (6 saisis).",
        ),
        (
            {"debtor_name": " "},
            PaymentErrorCode.DEBTOR_NAME_INVALID,
            "Saisissez le nom du titulaire du compte à débiter.",
        ),
        (
            {"signed_on": date(2026, 10, 21)},
            PaymentErrorCode.SIGNATURE_DATE_INVALID,
            "La date de signature du mandat (21/10/2026) ne peut pas être dans le futur.",
        ),
        (
            {"reference": "RUM 2019/ÉTÉ"},
            PaymentErrorCode.MANDATE_REFERENCE_INVALID,
            "La référence du mandat « RUM2019/ÉTÉ » contient des caractères hors du jeu SEPA :"
            " lettres sans accent, chiffres et / - ? : ( ) . , ' + seulement, sans espace.",
        ),
    ],
)
def test_bad_mandate_input_is_refused_and_changes_nothing(
    overrides: dict[str, object], code: PaymentErrorCode, message: str
) -> None:
    account = card_account()

    with pytest.raises(PaymentError) as refused:
        sign(account, **overrides)

    assert (refused.value.code, refused.value.message) == (code, message)
    _nothing_changed(account)


def test_a_mandate_taken_over_keeps_its_reference_and_bic() -> None:
    account = card_account()

    mandate = sign(
        account, reference="rum-2019-00042", bic="AGRIFRPP882", signed_on=date(2019, 3, 1)
    )

    assert (mandate.reference, mandate.bic, mandate.signed_on) == (
        "RUM-2019-00042",
        "AGRIFRPP882",
        date(2019, 3, 1),
    )
    with pytest.raises(PaymentError) as refused:
        sign(card_account(), reference="RUM-2019-00042")
    assert refused.value.code == PaymentErrorCode.MANDATE_REFERENCE_TAKEN


def test_no_mandate_without_the_creditor_identifier(settings: Settings) -> None:
    settings.GUICHET_SEPA_CREDITOR_ID = ""
    account = card_account()

    with pytest.raises(PaymentError) as refused:
        sign(account)

    assert refused.value.code == PaymentErrorCode.CREDITOR_NOT_CONFIGURED
    _nothing_changed(account)


def test_a_new_mandate_revokes_the_previous_one() -> None:
    account, first = direct_debit_account()

    second = sign(account, iban="DE89370400440532013000", now=paris(2026, 11, 3))

    first.refresh_from_db()
    assert (first.status, first.revocation_reason) == (
        MandateStatus.REVOKED,
        f"remplacé par le mandat {account.number}-M002",
    )
    assert (second.reference, second.bic) == (f"{account.number}-M002", "COBADEFFXXX")
    assert mandate_active_for(billing_account=account) == second
    account.refresh_from_db()
    assert account.payment_method == PaymentMethod.DIRECT_DEBIT


def test_revoking_the_mandate_returns_the_account_to_card() -> None:
    account, mandate = direct_debit_account()
    customer = as_customer(account.customer)

    mandate_revoke(mandate=mandate, actor=customer, now=paris(2026, 11, 3))

    mandate.refresh_from_db()
    account.refresh_from_db()
    assert (mandate.status, mandate.revoked_at) == (MandateStatus.REVOKED, paris(2026, 11, 3))
    assert account.payment_method == PaymentMethod.CARD
    assert mandate_active_for(billing_account=account) is None
    with pytest.raises(PaymentError) as refused:
        mandate_revoke(mandate=mandate, actor=customer, now=paris(2026, 11, 4))
    assert refused.value.code == PaymentErrorCode.MANDATE_NOT_ACTIVE
    assert refused.value.message == (
        f"Le mandat {mandate.reference} est déjà révoqué depuis le 03/11/2026."
    )
    assert acts(Act.MANDATE_REVOKE) == 1


def test_invoices_issued_under_a_mandate_are_due_on_the_debit_day() -> None:
    account, _ = direct_debit_account()

    invoice = issue(account)

    assert (invoice.payment_method, invoice.total_cents, invoice.due_on) == (
        PaymentMethod.DIRECT_DEBIT,
        1299,
        DUE_ON,
    )


# Debit day --------------------------------------------------------------------------------------


def test_changing_the_debit_day_in_self_care_is_free() -> None:
    account, _ = direct_debit_account()

    debit_day_change(
        billing_account=account,
        debit_day=5,
        actor=as_customer(account.customer),
        now=paris(2026, 11, 20),
    )

    account.refresh_from_db()
    assert account.debit_day == 5
    assert not OneOffCharge.objects.exists()


def test_changing_the_debit_day_by_phone_costs_5_euros_on_the_next_invoice() -> None:
    account, _ = direct_debit_account()
    advisor = Actor.advisor(make_advisor())

    debit_day_change(billing_account=account, debit_day=15, actor=advisor, now=paris(2026, 11, 19))
    assert not OneOffCharge.objects.exists()  # the same day: nothing changes, nothing is due
    debit_day_change(billing_account=account, debit_day=20, actor=advisor, now=paris(2026, 11, 20))

    (charge,) = OneOffCharge.objects.all()
    assert (charge.amount_cents, charge.charged_on, charge.invoice) == (
        500,
        date(2026, 11, 20),
        None,
    )
    assert charge.label == (
        "Modification de la date de prélèvement (sur appel au Service Client) du 20/11/2026"
    )
    assert Activity.objects.get(act=Act.ONE_OFF_CHARGE_ADD).summary == (
        "Modification de la date de prélèvement : 5,00 € sur votre prochaine facture"
    )
    # November's invoice: 12.99 € of Woot 100 Go + 5 € (Services d'accompagnement).
    november = issue(account)
    assert [(line.kind, line.amount_cents) for line in november.lines.order_by("position")][-1] == (
        InvoiceLineKind.ONE_OFF_FEE,
        500,
    )
    assert (november.total_cents, november.vat_cents) == (1799, 217 + 83)
    charge.refresh_from_db()
    assert charge.invoice == november
    december = issue(account, DECEMBER, now=paris(2027, 1, 2))
    assert december.total_cents == 1299  # billed once


def test_the_operator_moving_the_debit_day_charges_nothing() -> None:
    account, _ = direct_debit_account()

    debit_day_change(billing_account=account, debit_day=10, actor=SYSTEM, now=paris(2026, 11, 20))

    assert not OneOffCharge.objects.exists()


def test_an_invalid_debit_day_is_refused_without_fee() -> None:
    account, _ = direct_debit_account()

    with pytest.raises(BillingError) as refused:
        debit_day_change(
            billing_account=account,
            debit_day=29,
            actor=Actor.advisor(make_advisor()),
            now=paris(2026, 11, 20),
        )

    assert refused.value.code == BillingErrorCode.DEBIT_DAY_INVALID
    account.refresh_from_db()
    assert account.debit_day == 15
    assert not OneOffCharge.objects.exists()


# Pre-notification (CGS 7.1) ---------------------------------------------------------------------


def test_prenotification_tells_amount_date_mandate_and_creditor() -> None:
    account, mandate = direct_debit_account()
    invoice = issue(account)

    notice = prenotification_send(invoice=invoice, actor=SYSTEM, now=ISSUED_AT)

    assert (notice.amount_cents, notice.debit_on, notice.mandate) == (1299, DUE_ON, mandate)
    email = notice.outbox_message
    assert (email.channel, email.recipient) == ("email", account.customer.contact_email)
    send_outbox(ISSUED_AT)
    (sent,) = [m for m in mail.outbox if m.subject.startswith("Avis de prélèvement")]
    assert sent.subject == f"Avis de prélèvement de votre facture {invoice.number}"
    assert (
        f"Le montant de 12,99 € de votre facture {invoice.number} sera prélevé le 15/12/2026"
        in sent.body
    )
    assert f"Référence unique du mandat (RUM) : {mandate.reference}" in sent.body
    assert "Identifiant créancier SEPA (ICS) : FR72ZZZ123456" in sent.body
    assert "FR76 **** **** **** **** ***0 189" in sent.body
    # Sending it again for the same invoice and date sends nothing more.
    assert prenotification_send(invoice=invoice, actor=SYSTEM, now=ISSUED_AT) == notice
    assert Prenotification.objects.count() == 1


def test_prenotification_on_the_tenth_day_before_is_in_time() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)

    notice = prenotification_send(invoice=invoice, actor=SYSTEM, now=paris(2026, 12, 5, 23))

    assert notice.debit_on == DUE_ON


def test_prenotification_less_than_ten_days_before_is_refused(
    caplog: pytest.LogCaptureFixture,
) -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    caplog.set_level(logging.WARNING, logger="guichet.payments")

    with pytest.raises(PaymentError) as refused:
        prenotification_send(
            invoice=invoice,
            actor=SYSTEM,
            now=paris(
                2026,
                12,
                6,
                0,
            ),
        )

    assert refused.value.code == PaymentErrorCode.PRENOTIFICATION_TOO_LATE
    assert refused.value.message == (
        f"La facture {invoice.number} est due le 15/12/2026 : son avis de prélèvement devait"
        " partir au plus tard le 05/12/2026, 10 jours avant (CGS 7.1). Elle ne sera pas"
        " prélevée : elle reste à payer par carte."
    )
    assert not Prenotification.objects.exists()
    assert not OutboxMessage.objects.filter(template="direct_debit_prenotification").exists()
    assert "prenotification_send refused" in caplog.text


def test_prenotify_batch_covers_each_direct_debit_invoice_once() -> None:
    account, _ = direct_debit_account()
    card = card_account()
    woot_line(card, activated_at=paris(2026, 10, 15))
    invoice = issue(account)
    issue(card)

    first = prenotifications_send(now=ISSUED_AT)
    again = prenotifications_send(now=ISSUED_AT)

    assert (first.summary(), again.summary()) == ("sent=1 refused=0", "sent=0 refused=0")
    assert Prenotification.objects.get().invoice == invoice


def test_no_prenotification_for_a_card_invoice() -> None:
    account = card_account()
    woot_line(account, activated_at=paris(2026, 10, 15))
    invoice = issue(account)

    with pytest.raises(PaymentError) as refused:
        prenotification_send(invoice=invoice, actor=SYSTEM, now=ISSUED_AT)

    assert refused.value.code == PaymentErrorCode.PRENOTIFICATION_NOT_DUE


# Collection ------------------------------------------------------------------------------------


def test_collecting_twice_makes_one_debit(sepa_creditor: Path) -> None:
    account, mandate = direct_debit_account()
    invoice = issue(account)
    prenotified(invoice)

    first = collect()
    again = collect()

    (debit,) = DirectDebit.objects.all()
    assert (debit.invoice, debit.mandate, debit.amount_cents) == (invoice, mandate, 1299)
    assert (debit.end_to_end_id, debit.sequence_type) == (f"{invoice.number}-20261215", "FRST")
    assert debit.status == DirectDebitStatus.SUBMITTED
    assert first.summary() == (
        "date=2026-12-15 created=1 existing=0 refused=0 nothing_owed=0 files=1 total_eur=12.99"
    )
    assert again.summary() == (
        "date=2026-12-15 created=0 existing=1 refused=0 nothing_owed=0 files=0 total_eur=12.99"
    )
    assert [path.name for path in sepa_creditor.iterdir()] == ["DD20261215-001.pain.008.001.02.xml"]
    assert acts(Act.DIRECT_DEBIT_COLLECT) == 1


def test_the_debit_file_says_what_the_bank_needs(sepa_creditor: Path) -> None:
    account, mandate = direct_debit_account()
    invoice = issue(account)
    debit = collected(invoice)

    document = etree.parse(str(sepa_creditor / "DD20261215-001.pain.008.001.02.xml"))

    def text(path: str) -> list[str]:
        return [element.text for element in document.iterfind(path, NS)]

    header = "p:CstmrDrctDbtInitn/p:GrpHdr/"
    block = "p:CstmrDrctDbtInitn/p:PmtInf/"
    transaction = block + "p:DrctDbtTxInf/"
    assert text(header + "p:MsgId") == ["DD20261215-001"]
    assert text(header + "p:CreDtTm") == ["2026-12-10T18:00:00"]
    assert text(header + "p:NbOfTxs") == ["1"]
    assert text(header + "p:CtrlSum") == ["12.99"]
    assert text(block + "p:PmtInfId") == ["DD20261215-001-FRST"]
    assert text(block + "p:PmtTpInf/p:LclInstrm/p:Cd") == ["CORE"]
    assert text(block + "p:PmtTpInf/p:SeqTp") == ["FRST"]
    assert text(block + "p:ReqdColltnDt") == ["2026-12-15"]
    assert text(block + "p:Cdtr/p:Nm") == ["Operateur Telecom SAS"]
    assert text(block + "p:CdtrAcct/p:Id/p:IBAN") == ["FR1420041010050500013M02606"]
    assert text(block + "p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id") == ["FR72ZZZ123456"]
    assert text(transaction + "p:PmtId/p:EndToEndId") == [debit.end_to_end_id]
    assert text(transaction + "p:InstdAmt") == ["12.99"]
    assert text(transaction + "p:DrctDbtTx/p:MndtRltdInf/p:MndtId") == [mandate.reference]
    assert text(transaction + "p:DrctDbtTx/p:MndtRltdInf/p:DtOfSgntr") == ["2026-10-20"]
    assert text(transaction + "p:DrctDbtTx/p:PreNtfctnDt") == ["2026-12-02"]
    assert text(transaction + "p:DbtrAgt/p:FinInstnId/p:BIC") == ["AGRIFRPPXXX"]
    assert text(transaction + "p:Dbtr/p:Nm") == ["Camille Martin"]
    assert text(transaction + "p:DbtrAcct/p:Id/p:IBAN") == [IBAN]
    assert text(transaction + "p:RmtInf/p:Ustrd") == [f"Facture {invoice.number} du 02/12/2026"]


def test_the_second_collection_under_a_mandate_is_rcur(sepa_creditor: Path) -> None:
    account, _ = direct_debit_account()
    collected(issue(account))
    december = issue(account, DECEMBER, now=paris(2027, 1, 2))
    prenotified(december, at=paris(2027, 1, 2))

    collect(date(2027, 1, 15), now=paris(2027, 1, 12))

    assert DirectDebit.objects.get(invoice=december).sequence_type == "RCUR"
    document = etree.parse(str(sepa_creditor / "DD20270115-001.pain.008.001.02.xml"))
    assert [e.text for e in document.iterfind(".//p:SeqTp", NS)] == ["RCUR"]


def test_no_debit_without_a_prenotification_sent_ten_days_before(
    caplog: pytest.LogCaptureFixture,
) -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    # Written on the 5th (in time), but the outbox only sent it on the 6th.
    prenotification_send(invoice=invoice, actor=SYSTEM, now=paris(2026, 12, 5))
    caplog.set_level(logging.WARNING, logger="guichet.payments")

    unsent = collect()
    send_outbox(paris(2026, 12, 6, 8))
    late = collect()

    assert unsent.refused == [(invoice.number, "l'avis de prélèvement n'est pas encore parti")]
    assert late.refused == [
        (
            invoice.number,
            "l'avis de prélèvement est parti le 06/12/2026, moins de 10 jours avant le"
            " prélèvement (CGS 7.1)",
        )
    ]
    assert not DirectDebit.objects.exists()
    assert not DirectDebitBatch.objects.exists()
    assert f"Direct debit of invoice {invoice.number} on 2026-12-15 refused" in caplog.text


def test_no_debit_once_the_mandate_is_revoked() -> None:
    account, mandate = direct_debit_account()
    invoice = issue(account)
    prenotified(invoice)
    mandate_revoke(mandate=mandate, actor=SYSTEM, now=paris(2026, 12, 8))

    report = collect()

    assert report.refused == [(invoice.number, f"le mandat {mandate.reference} est révoqué")]
    assert not DirectDebit.objects.exists()


def test_no_debit_when_the_account_was_moved_to_card_behind_the_mandate() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    prenotified(invoice)
    billing_account_set_payment_method(
        billing_account=account, payment_method=PaymentMethod.CARD, actor=SYSTEM, now=ISSUED_AT
    )

    report = collect()

    assert report.refused == [
        (invoice.number, f"le compte {account.number} paie désormais par carte")
    ]


def test_an_invoice_paid_by_card_meanwhile_is_not_debited() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    prenotified(invoice)
    invoice_payment_record(
        invoice=invoice, amount_cents=1299, reference="card-1", actor=SYSTEM, now=ISSUED_AT
    )

    report = collect()

    assert (report.created, report.nothing_owed) == (0, 1)
    assert not DirectDebit.objects.exists()


def test_only_what_is_still_owed_is_debited() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    prenotified(invoice)
    invoice_payment_record(
        invoice=invoice, amount_cents=299, reference="card-1", actor=SYSTEM, now=ISSUED_AT
    )

    collect()

    assert DirectDebit.objects.get().amount_cents == 1000


def test_a_collection_date_must_leave_the_bank_a_business_day() -> None:
    with pytest.raises(PaymentError) as refused:
        collect(date(2026, 12, 11), now=paris(2026, 12, 11, 9))

    assert refused.value.code == PaymentErrorCode.COLLECTION_DATE_TOO_EARLY
    assert refused.value.message == (
        "Un fichier de prélèvement envoyé le 11/12/2026 peut demander le 14/12/2026 au plus tôt"
        " (un jour ouvré TARGET2 avant) : le 11/12/2026 est trop tôt."
    )


def test_a_file_not_handed_over_is_sent_by_the_next_run(sepa_creditor: Path) -> None:
    class BankDown:
        def submit(self, *, name: str, content: bytes) -> None:
            raise OSError("bank channel unreachable")

    account, _ = direct_debit_account()
    invoice = issue(account)
    prenotified(invoice)
    with pytest.raises(OSError):
        direct_debits_collect(collection_date=DUE_ON, now=COLLECTED_AT, channel=BankDown())
    assert DirectDebitBatch.objects.get().submitted_at is None

    report = collect(now=paris(2026, 12, 10, 19))

    assert (report.created, report.existing, report.files) == (
        0,
        1,
        ["DD20261215-001.pain.008.001.02.xml"],
    )
    assert DirectDebitBatch.objects.get().submitted_at == paris(2026, 12, 10, 19)
    assert DirectDebit.objects.get().end_to_end_id == f"{invoice.number}-20261215"


# Settlement -------------------------------------------------------------------------------------


def test_the_money_is_recorded_on_the_settlement_date() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    debit = collected(invoice)

    before = direct_debits_settle(now=paris(2026, 12, 14, 20))
    on_the_day = direct_debits_settle(now=SETTLED_AT)
    again = direct_debits_settle(now=SETTLED_AT)

    assert (before.settled, on_the_day.settled, again.settled) == (0, 1, 0)
    invoice.refresh_from_db()
    debit.refresh_from_db()
    assert (invoice.status, invoice.paid_cents) == (InvoiceStatus.PAID, 1299)
    assert (debit.status, debit.settled_at) == (DirectDebitStatus.SETTLED, SETTLED_AT)
    payment = Activity.objects.get(act=Act.INVOICE_PAYMENT_RECORD)
    assert payment.new_values["reference"] == debit.end_to_end_id


# Returns ---------------------------------------------------------------------------------------


def _returned(
    debit: DirectDebit, code: str = "AM04", amount_cents: int | None = 1299
) -> StatusReport:
    return StatusReport(
        message_id="RJCT-20261217-1",
        rejections=(
            Rejection(
                original_message_id="DD20261215-001",
                payment_information_id="DD20261215-001-FRST",
                end_to_end_id=debit.end_to_end_id,
                reason_code=code,
                amount_cents=amount_cents,
            ),
        ),
    )


def settled_debit() -> tuple[Invoice, DirectDebit]:
    account, _ = direct_debit_account()
    invoice = issue(account)
    debit = collected(invoice)
    direct_debits_settle(now=SETTLED_AT)
    return invoice, debit


def test_a_returned_debit_makes_the_invoice_unpaid_and_tells_the_customer() -> None:
    invoice, debit = settled_debit()

    report = direct_debit_returns_apply(report=_returned(debit), now=paris(2026, 12, 17))

    assert report.summary() == "applied=1 already=0 unknown=0 mismatched=0"
    invoice.refresh_from_db()
    debit.refresh_from_db()
    assert (invoice.status, invoice.paid_cents) == (InvoiceStatus.UNPAID, 0)
    assert (debit.status, debit.return_reason_code, debit.return_report_id) == (
        DirectDebitStatus.RETURNED,
        "AM04",
        "RJCT-20261217-1",
    )
    (notice,) = OutboxMessage.objects.filter(template="direct_debit_returned")
    assert notice.context == {
        "first_name": "Camille",
        "invoice": invoice.number,
        "amount": "12,99 €",
        "debit_date": "15/12/2026",
        "reason": "la provision sur le compte était insuffisante",
    }
    assert Activity.objects.get(act=Act.DIRECT_DEBIT_RETURN).summary == (
        "Prélèvement de 12,99 € du 15/12/2026 rejeté : la provision sur le compte était"
        " insuffisante"
    )
    reversal = Activity.objects.get(act=Act.INVOICE_PAYMENT_REVERSE)
    assert reversal.new_values["reason"] == (
        "prélèvement rejeté (AM04) : la provision sur le compte était insuffisante"
    )


def test_a_return_seen_twice_is_applied_once() -> None:
    invoice, debit = settled_debit()

    direct_debit_returns_apply(report=_returned(debit), now=paris(2026, 12, 17))
    replay = direct_debit_returns_apply(report=_returned(debit), now=paris(2026, 12, 18))

    assert replay.summary() == "applied=0 already=1 unknown=0 mismatched=0"
    assert acts(Act.INVOICE_PAYMENT_REVERSE) == 1
    assert OutboxMessage.objects.filter(template="direct_debit_returned").count() == 1
    invoice.refresh_from_db()
    assert invoice.paid_cents == 0


def test_a_return_of_an_unknown_debit_is_reported_not_applied() -> None:
    invoice, _ = settled_debit()
    unknown = StatusReport(
        message_id="RJCT-1",
        rejections=(Rejection("DD20261215-001", None, "F2026-999999-20261215", "AC04", 1299),),
    )

    report = direct_debit_returns_apply(report=unknown, now=paris(2026, 12, 17))

    assert (report.applied, report.unknown) == (0, ["F2026-999999-20261215"])
    invoice.refresh_from_db()
    assert (invoice.status, invoice.paid_cents) == (InvoiceStatus.PAID, 1299)


def test_a_return_of_another_amount_is_reported_not_applied() -> None:
    invoice, debit = settled_debit()

    report = direct_debit_returns_apply(
        report=_returned(debit, amount_cents=1300), now=paris(2026, 12, 17)
    )

    assert report.mismatched == [
        (debit.end_to_end_id, "montant retourné 13,00 €, montant prélevé 12,99 €")
    ]
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID


def test_a_debit_rejected_before_settlement_is_never_recorded_as_paid() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    debit = collected(invoice)

    direct_debit_return(
        debit=debit, reason_code="AC04", report_id="RJCT-1", actor=SYSTEM, now=paris(2026, 12, 14)
    )
    settled = direct_debits_settle(now=SETTLED_AT)

    debit.refresh_from_db()
    invoice.refresh_from_db()
    assert debit.status == DirectDebitStatus.REJECTED
    assert settled.settled == 0
    assert (invoice.status, invoice.paid_cents) == (InvoiceStatus.ISSUED, 0)
    assert not Activity.objects.filter(act=Act.INVOICE_PAYMENT_REVERSE).exists()
    assert OutboxMessage.objects.get(template="direct_debit_returned").context["reason"] == (
        "le compte bancaire est clôturé"
    )


def test_a_whole_file_rejected_rejects_each_of_its_debits() -> None:
    account, _ = direct_debit_account()
    invoice = issue(account)
    debit = collected(invoice)
    whole = StatusReport(
        message_id="RJCT-2", rejections=(Rejection("DD20261215-001", None, None, "FF01", None),)
    )

    report = direct_debit_returns_apply(report=whole, now=paris(2026, 12, 11))

    assert report.applied == 1
    debit.refresh_from_db()
    assert (debit.status, debit.return_reason_code) == (DirectDebitStatus.REJECTED, "FF01")


def test_after_a_rejected_first_debit_the_next_one_is_first_again() -> None:
    account, _ = direct_debit_account()
    november = issue(account)
    debit = collected(november)
    direct_debit_return(
        debit=debit, reason_code="MS03", report_id="R", actor=SYSTEM, now=paris(2026, 12, 14)
    )
    december = issue(account, DECEMBER, now=paris(2027, 1, 2))
    prenotified(december, at=paris(2027, 1, 2))

    collect(date(2027, 1, 15), now=paris(2027, 1, 12))

    assert DirectDebit.objects.get(invoice=december).sequence_type == "FRST"
