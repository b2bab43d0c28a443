"""The customer's contracts: one per line in service, and its contract summary PDF
("récapitulatif contractuel", rendered on demand with WeasyPrint like the invoices).

A line's contract is its main offer (plan or box offer) with its options, from the line's
activation, under the terms of the current catalog release.
"""

from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher

from guichet.catalog.models import Market, ProductKind
from guichet.catalog.rendering import euros
from guichet.catalog.selectors import catalog_current, release_current
from guichet.customers.models import Customer
from guichet.lines.models import Line, LineStatus, Subscription, SubscriptionStatus

PARIS = ZoneInfo("Europe/Paris")
STYLESHEET = Path(__file__).resolve().parent / "templates" / "lines" / "contract_summary.css"
_MAIN_OFFER_KINDS = (ProductKind.PLAN, ProductKind.BOX_OFFER)


@dataclass(frozen=True)
class ContractOption:
    name: str
    monthly_price_cents: int | None


@dataclass(frozen=True)
class Contract:
    line: Line
    holder: str
    customer_number: str
    offer_name: str
    offer_code: str
    monthly_price_cents: int | None
    # As printed in the brochure ("100 Go"); empty for an offer without a data allowance.
    data_allowance: str
    started_on: date | None
    commitment_months: int
    commitment_end_date: date | None
    termination_terms: str
    options: tuple[ContractOption, ...]
    terms_version: str
    terms_effective_from: date | None

    @property
    def is_mobile(self) -> bool:
        return self.line.market == Market.MOBILE

    @property
    def filename(self) -> str:
        return f"recapitulatif-contractuel-{self.offer_code}-{self.line.pk}.pdf"


def _release_terms() -> tuple[str, date | None]:
    if release_current() is None:
        return "", None
    release = catalog_current().release
    return release.version, release.terms_effective_from


def _contract(
    line: Line, subscriptions: list[Subscription], terms: tuple[str, date | None]
) -> Contract | None:
    main = next((s for s in subscriptions if s.kind in _MAIN_OFFER_KINDS), None)
    if main is None:
        return None
    details: dict[str, Any] = main.product.details or {}
    customer = line.billing_account.customer
    return Contract(
        line=line,
        holder=f"{customer.get_civility_display()} {customer.first_name} {customer.last_name}",
        customer_number=customer.number,
        offer_name=main.product.name,
        offer_code=main.product.code,
        monthly_price_cents=main.product.price_cents,
        data_allowance=str((details.get("france") or {}).get("data", "")),
        started_on=line.activated_at.astimezone(PARIS).date() if line.activated_at else None,
        commitment_months=int(details.get("commitment_months", 0) or 0),
        commitment_end_date=line.commitment_end_date,
        termination_terms=str(details.get("termination", "")),
        options=tuple(
            ContractOption(name=s.product.name, monthly_price_cents=s.product.price_cents)
            for s in subscriptions
            if s.kind == ProductKind.OPTION
        ),
        terms_version=terms[0],
        terms_effective_from=terms[1],
    )


def contracts_for_customer(*, customer: Customer) -> list[Contract]:
    """One contract per line not terminated that has an active main offer, oldest line first."""
    lines = list(
        Line.objects.filter(billing_account__customer=customer)
        .exclude(status=LineStatus.TERMINATED)
        .select_related("billing_account__customer")
        .order_by("created_at", "id")
    )
    by_line: dict[int, list[Subscription]] = {line.pk: [] for line in lines}
    for subscription in (
        Subscription.objects.filter(line_id__in=list(by_line), status=SubscriptionStatus.ACTIVE)
        .select_related("product")
        .order_by("starts_at", "id")
    ):
        by_line[subscription.line_id].append(subscription)
    terms = _release_terms()
    contracts = [_contract(line, by_line[line.pk], terms) for line in lines]
    return [contract for contract in contracts if contract is not None]


def contract_for_line(*, customer: Customer, line_id: int) -> Contract | None:
    """None for a line of another customer, terminated, or without a main offer."""
    return next(
        (c for c in contracts_for_customer(customer=customer) if c.line.pk == line_id), None
    )


@cache
def _no_fetching() -> URLFetcher:
    # Built from the database only: nothing a customer typed can pull a file or a URL in.
    return URLFetcher(allowed_protocols=(), fail_on_errors=True)


@cache
def _stylesheet() -> CSS:
    return CSS(filename=str(STYLESHEET), url_fetcher=_no_fetching())


def contract_summary_pdf(contract: Contract) -> bytes:
    html = render_to_string(
        "lines/contract_summary.html",
        {
            "contract": contract,
            "price": euros(contract.monthly_price_cents)
            if contract.monthly_price_cents is not None
            else "",
            "options": [
                (o.name, euros(o.monthly_price_cents) if o.monthly_price_cents is not None else "")
                for o in contract.options
            ],
        },
    )
    pdf: bytes = HTML(string=html, url_fetcher=_no_fetching()).write_pdf(
        stylesheets=[_stylesheet()]
    )
    return pdf
