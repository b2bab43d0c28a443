"""Accueil: the customer's lines at a glance."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.customers.models import Customer
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.selfcare.acts import act_links
from guichet.selfcare.registry import Section
from guichet.selfcare.views.common import customer_view


@customer_view
def home(request: HttpRequest, customer: Customer) -> HttpResponse:
    lines = lines_with_main_offer_for_customer(customer=customer)
    return render(
        request,
        "selfcare/home/home.html",
        {
            "customer": customer,
            "lines": lines,
            "section_acts": act_links(lines=lines, section=Section.HOME),
        },
    )
