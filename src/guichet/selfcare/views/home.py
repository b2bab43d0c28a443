"""Accueil: each line's usage at a glance, the last invoice, the unpaid banner, assistance
shortcuts and the box's Wi-Fi to share."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from guichet.billing.selectors import arrears_state, invoices_available_for_customer
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.selectors import box_wifi_for_lines, lines_with_main_offer_for_customer
from guichet.selfcare.acts import act_links
from guichet.selfcare.registry import Section, act_get
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.invoices import invoice_row
from guichet.selfcare.views.usage_display import at_a_glance
from guichet.usage.selectors import line_usages

# The assistance shortcuts of the home page (seed 000: « mon assistance box ou mobile »).
ASSISTANCE_ACTS = (
    "mobile_diagnostic",
    "loss_theft_declare",
    "express_repair",
    "box_diagnostic",
    "network_status",
    "incident_tracking",
)


@customer_view
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    today = paris_date(timezone.now())
    lines = lines_with_main_offer_for_customer(customer=customer)
    usages = line_usages(lines=lines, period_start=today.replace(day=1))
    wifi = box_wifi_for_lines(lines=lines)
    invoices = invoices_available_for_customer(customer=customer, today=today)
    last_invoice = invoices[0] if invoices else None
    cards = [
        {
            "line": line,
            "usage": at_a_glance(line=line, usage=usages[line.pk]) if line.pk in usages else None,
            "wifi": wifi.get(line.pk),
        }
        for line in lines
    ]
    return render(
        request,
        "selfcare/home/home.html",
        {
            "customer": customer,
            "lines": lines,
            "cards": cards,
            "period_start": today.replace(day=1),
            "last_invoice": last_invoice,
            # Factures' rule: no card payment offered while a direct debit is announced.
            "last_invoice_row": invoice_row(last_invoice, today) if last_invoice else None,
            "arrears": arrears_state(customer=customer, today=today),
            "assistance": act_links(
                lines=lines, acts=[act_get(act_id) for act_id in ASSISTANCE_ACTS]
            ),
            "section_acts": act_links(lines=lines, section=Section.HOME),
        },
    )
