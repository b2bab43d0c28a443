"""The receipt of a phone paid by card at its order (purpose device_order), as a PDF.

Decision (French practice, written here and in docs/architecture.md): the phone paid by card is
a sale of goods to a consumer, settled in full at the order (CGVAD art. 4, "payables à la
commande"). It is never put on the monthly invoice — billing it there and deducting the card
payment would print a sale already settled as owed on a document the customer pays by direct
debit or card. The sale's document is this receipt ("justificatif de paiement"): the seller as
an invoice names it (CGI art. 242 nonies A), the buyer, the order, the phone, its price
including VAT with the VAT at 20 % shown apart, the date and means of payment, and, when the
order was cancelled and refunded, the refund. A consumer sale needs no invoice in France (CGI
art. 289 requires one between businesses); a business customer asking for one needs billing
to issue an immediate invoice in its numbered series, marked paid ("acquittée"), which billing
does not offer yet.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string
from weasyprint import HTML

from guichet.billing.documents import OperatorIdentity, _font_config, _no_fetching
from guichet.billing.rules import VAT_RATE_PERCENT, format_eur_fr, vat_cents
from guichet.devices.models import DeviceRenewal
from guichet.payments.card_rules import PARIS
from guichet.payments.models import (
    CardPaymentPurpose,
    CardRefund,
    CardRefundStatus,
    PaymentAttempt,
    PaymentAttemptStatus,
)


@dataclass(frozen=True)
class ReceiptPdf:
    filename: str
    content: bytes


def device_order_receipt_attempt(*, renewal: DeviceRenewal) -> PaymentAttempt | None:
    """The succeeded card payment of a renewal paid by card, the one its receipt is for."""
    return (
        PaymentAttempt.objects.filter(
            order_id=renewal.order_id,
            purpose=CardPaymentPurpose.DEVICE_ORDER,
            status=PaymentAttemptStatus.SUCCEEDED,
        )
        .select_related("customer")
        .first()
    )


def device_order_receipt_pdf(*, renewal: DeviceRenewal, attempt: PaymentAttempt) -> ReceiptPdf:
    """The receipt of `renewal`'s card payment `attempt` (succeeded)."""
    refund = (
        CardRefund.objects.filter(attempt=attempt, status=CardRefundStatus.SUCCEEDED)
        .order_by("-id")
        .first()
    )
    vat = vat_cents(renewal.price_cents)
    paid_at = renewal.paid_at or attempt.status_changed_at
    html = render_to_string(
        "payments/device_order_receipt.html",
        {
            "operator": OperatorIdentity.from_settings(),
            "customer": attempt.customer,
            "renewal": renewal,
            "reference": attempt.idempotency_key,
            "paid_on": paid_at.astimezone(PARIS).date(),
            "price": format_eur_fr(renewal.price_cents),
            "excl_vat": format_eur_fr(renewal.price_cents - vat),
            "vat": format_eur_fr(vat),
            "vat_rate": VAT_RATE_PERCENT,
            "refund": refund,
            "refunded_on": refund.status_changed_at.astimezone(PARIS).date() if refund else None,
            "refund_amount": format_eur_fr(refund.amount_cents) if refund else "",
        },
    )
    content: bytes = HTML(string=html, url_fetcher=_no_fetching()).write_pdf(
        font_config=_font_config()
    )
    return ReceiptPdf(filename=f"justificatif-commande-{renewal.order_id}.pdf", content=content)
