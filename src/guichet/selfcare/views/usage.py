"""Conso: the current period's usage of each line."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.customers.models import Customer
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.selfcare.acts import act_links
from guichet.selfcare.registry import Section
from guichet.selfcare.views.common import customer_view


@customer_view
def usage(request: HttpRequest, customer: Customer) -> HttpResponse:
    lines = lines_with_main_offer_for_customer(customer=customer)
    return render(
        request,
        "selfcare/usage/usage.html",
        {"lines": lines, "section_acts": act_links(lines=lines, section=Section.USAGE)},
    )
