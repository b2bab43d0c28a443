"""The act finder ("Que souhaitez-vous faire ?") and the activity log (the bell)."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.care.selectors import activities_for_customer
from guichet.customers.models import Customer
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.acts import act_links, acts_offered
from guichet.selfcare.finder import find_acts
from guichet.selfcare.views.common import customer_view

QUERY_MAX_LENGTH = 200
ACTIVITIES_PER_PAGE = 30


@customer_view
def act_finder(request: HttpRequest, customer: Customer) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:QUERY_MAX_LENGTH]
    lines = lines_for_customer(customer=customer)
    found = [match.act for match in find_acts(query, acts_offered(lines=lines))]
    return render(
        request,
        "selfcare/assistance/act_finder.html",
        {"query": query, "links": act_links(lines=lines, acts=found)},
    )


@customer_view
def activity_log(request: HttpRequest, customer: Customer) -> HttpResponse:
    page = Paginator(activities_for_customer(customer=customer), ACTIVITIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(request, "selfcare/assistance/activity_log.html", {"page": page})
