"""The SEPA mandate as a PDF (WeasyPrint, like billing.documents): what the customer signed
online, with the mandatory content of the SEPA Core rulebook (creditor, identifier, unique
mandate reference, debtor, IBAN, BIC, type of payment, date, the refund right)."""

from dataclasses import dataclass

from django.template.loader import render_to_string
from weasyprint import HTML

from guichet.billing.documents import OperatorIdentity, _font_config, _no_fetching
from guichet.payments.models import Mandate
from guichet.payments.services.direct_debit import creditor


@dataclass(frozen=True)
class MandatePdf:
    filename: str
    content: bytes


def mandate_pdf(*, mandate: Mandate) -> MandatePdf:
    """The mandate's PDF. The IBAN is printed masked: the document is downloaded and kept by
    the customer, who knows their own account; the full IBAN stays with the bank file."""
    html = render_to_string(
        "payments/mandate.html",
        {
            "mandate": mandate,
            "creditor": creditor(),
            "operator": OperatorIdentity.from_settings(),
        },
    )
    content: bytes = HTML(string=html, url_fetcher=_no_fetching()).write_pdf(
        font_config=_font_config()
    )
    return MandatePdf(filename=f"mandat-sepa-{mandate.reference}.pdf", content=content)
