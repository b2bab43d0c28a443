"""Compte: the customer's personal information, credentials and follow-up."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.customers.models import Customer
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.acts import act_links
from guichet.selfcare.registry import Section
from guichet.selfcare.views.common import customer_view


@customer_view
def account(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "selfcare/account/account.html",
        {
            "customer": customer,
            "section_acts": act_links(
                lines=lines_for_customer(customer=customer), section=Section.ACCOUNT
            ),
        },
    )
