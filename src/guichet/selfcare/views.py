"""The customer pages. Views parse input, call one selector or service, and render."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from guichet.customers.selectors import customer_get_for_user
from guichet.lines.selectors import lines_with_main_offer_for_customer
from guichet.selfcare.forms import LoginForm


class LoginView(auth_views.LoginView):
    template_name = "selfcare/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request: HttpRequest) -> HttpResponse:
    customer = customer_get_for_user(user=request.user)
    if customer is None:
        # A staff login without a customer: self-care has nothing to show it.
        return render(request, "selfcare/not_a_customer.html", status=403)
    lines = lines_with_main_offer_for_customer(customer=customer)
    return render(request, "selfcare/home.html", {"customer": customer, "lines": lines})
