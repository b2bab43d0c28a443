"""What every customer page shares: the signed-in customer, and the page for a staff login."""

from collections.abc import Callable
from functools import wraps
from typing import Any, Concatenate, ParamSpec

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.customers.models import Customer
from guichet.customers.selectors import customer_get_for_user

P = ParamSpec("P")
CustomerView = Callable[Concatenate[HttpRequest, Customer, P], HttpResponse]


def not_a_customer(request: HttpRequest) -> HttpResponse:
    # A staff login without a customer: self-care has nothing to show it.
    return render(request, "selfcare/auth/not_a_customer.html", status=403)


def customer_view(view: CustomerView[P]) -> Callable[Concatenate[HttpRequest, P], HttpResponse]:
    """A page of a signed-in customer: `view(request, customer, ...)`. Anonymous visitors go
    to the login page; a login without a customer gets a 403 page."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        customer = customer_get_for_user(user=request.user)
        if customer is None:
            return not_a_customer(request)
        return view(request, customer, *args, **kwargs)

    return wrapper
