"""Compte: the customer's personal information, credentials and follow-up."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from guichet.billing.errors import BillingError
from guichet.billing.services import billing_address_change
from guichet.care.actors import Actor
from guichet.care.models import OrderStatus, RequestKind
from guichet.care.selectors import orders_for_customer, requests_for_customer
from guichet.catalog.selectors import terms_get
from guichet.customers.errors import CustomerError
from guichet.customers.models import AddressKind, AddressPublication, Customer
from guichet.customers.profile_rules import ProfileGap
from guichet.customers.selectors import (
    address_get,
    addresses_for_customer,
    contact_preferences_for,
    directory_listing_for,
    profile_completion_for,
    profile_for,
)
from guichet.customers.services import (
    contact_preferences_set,
    customer_profile_set,
    customer_request_name_change,
    directory_listing_set,
)
from guichet.devices.selectors import orders_awaiting_card_payment
from guichet.lines.contract_documents import (
    contract_for_line,
    contract_summary_pdf,
    contracts_for_customer,
)
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.acts import act_links
from guichet.selfcare.forms.account import (
    AddressForm,
    ContactPreferencesForm,
    DirectoryListingForm,
    NameChangeForm,
    ProfileForm,
)
from guichet.selfcare.registry import Section
from guichet.selfcare.views.common import customer_view

# Where the customer completes each missing piece of the profile (Compte index).
_GAP_PAGES = {
    ProfileGap.BILLING_ADDRESS: "selfcare:billing_address",
    ProfileGap.POSTAL_ADDRESS: "selfcare:billing_address",
    ProfileGap.BIRTH_PLACE: "selfcare:profile",
    ProfileGap.HOUSEHOLD_SIZE: "selfcare:profile",
    ProfileGap.PREFERRED_CONTACT_TIME: "selfcare:profile",
    ProfileGap.DIRECTORY_CHOICE: "selfcare:directory_listing",
}


def _gap_label(gap: ProfileGap) -> str:
    return {
        ProfileGap.BILLING_ADDRESS: _("your billing address"),
        ProfileGap.POSTAL_ADDRESS: _("your postal address"),
        ProfileGap.BIRTH_PLACE: _("your place of birth"),
        ProfileGap.HOUSEHOLD_SIZE: _("the size of your household"),
        ProfileGap.PREFERRED_CONTACT_TIME: _("when an advisor may call you"),
        ProfileGap.DIRECTORY_CHOICE: _("your choice about the universal directory"),
    }[gap]


def _actor(request: HttpRequest) -> Actor:
    return Actor.customer(request.user)  # type: ignore[arg-type]


@customer_view
def account(request: HttpRequest, customer: Customer) -> HttpResponse:
    addresses = addresses_for_customer(customer=customer)
    completion = profile_completion_for(customer=customer, addresses=addresses)
    orders = [
        order
        for order in orders_for_customer(customer=customer)
        if order.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    ]
    return render(
        request,
        "selfcare/account/account.html",
        {
            "customer": customer,
            "addresses": addresses,
            "completion": completion,
            "missing": [(_gap_label(gap), _GAP_PAGES[gap]) for gap in completion.missing],
            "orders_in_progress": orders,
            "awaiting_payment": orders_awaiting_card_payment(
                order_ids=[order.pk for order in orders]
            ),
            "requests_open": requests_for_customer(customer=customer, open_only=True),
            "section_acts": act_links(
                lines=lines_for_customer(customer=customer), section=Section.ACCOUNT
            ),
        },
    )


@customer_view
def identity(request: HttpRequest, customer: Customer) -> HttpResponse:
    """Civility, names and birth date as the contract holds them; a change of name is a
    request an advisor checks against a proof (it changes who holds the contract's name)."""
    pending = [
        r
        for r in requests_for_customer(customer=customer, open_only=True)
        if r.kind == RequestKind.NAME_CHANGE
    ]
    form = NameChangeForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            name_request = customer_request_name_change(
                customer=customer,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                reason=form.cleaned_data["reason"],
                proof=form.cleaned_data["proof"],
                actor=_actor(request),
                now=timezone.now(),
            )
        except CustomerError as refused:
            form.add_error(None, refused.message)
        else:
            messages.success(
                request,
                _(
                    "Your request no. %(number)s is recorded with its proof: an advisor will"
                    " check it."
                )
                % {"number": name_request.pk},
            )
            return redirect("selfcare:request_detail", request_id=name_request.pk)
    if request.method == "POST":
        status = 400
    return render(
        request,
        "selfcare/account/identity.html",
        {"customer": customer, "form": form, "pending": pending},
        status=status,
    )


@customer_view
def profile(request: HttpRequest, customer: Customer) -> HttpResponse:
    current = profile_for(customer=customer)
    initial = (
        {
            "birth_place": current.birth_place,
            "household_size": current.household_size,
            "preferred_contact_time": current.preferred_contact_time,
            "interests": current.interests,
        }
        if current is not None
        else {}
    )
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                customer_profile_set(
                    customer=customer,
                    birth_place=form.cleaned_data["birth_place"],
                    household_size=form.cleaned_data["household_size"],
                    preferred_contact_time=form.cleaned_data["preferred_contact_time"],
                    interests=form.cleaned_data["interests"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except CustomerError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Your profile is saved."))
                return redirect("selfcare:profile")
        return render(request, "selfcare/account/profile.html", {"form": form}, status=400)
    completion = profile_completion_for(customer=customer)
    return render(
        request, "selfcare/account/profile.html", {"form": form, "completion": completion}
    )


@customer_view
def billing_address(request: HttpRequest, customer: Customer) -> HttpResponse:
    current = address_get(customer=customer, kind=AddressKind.BILLING)
    initial = (
        {
            "line1": current.line1,
            "line2": current.line2,
            "line3": current.line3,
            "postcode": current.postcode,
            "city": current.city,
            "country": current.country,
        }
        if current is not None
        else {"country": "FR"}
    )
    form = AddressForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                billing_address_change(
                    customer=customer,
                    street_lines=[data["line1"], data["line2"], data["line3"]],
                    postcode=data["postcode"],
                    city=data["city"],
                    country=data["country"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except (CustomerError, BillingError) as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(
                    request, _("Your billing address is changed: your next invoice will use it.")
                )
                return redirect("selfcare:billing_address")
        return render(
            request,
            "selfcare/account/billing_address.html",
            {"form": form, "current": current},
            status=400,
        )
    return render(
        request, "selfcare/account/billing_address.html", {"form": form, "current": current}
    )


@customer_view
def contact_preferences(request: HttpRequest, customer: Customer) -> HttpResponse:
    states = contact_preferences_for(customer=customer)
    form = ContactPreferencesForm(request.POST or None, states=states)
    if request.method == "POST":
        if form.is_valid():
            try:
                contact_preferences_set(
                    customer=customer,
                    choices=form.choices(),
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except CustomerError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Your contact preferences are saved."))
                return redirect("selfcare:contact_preferences")
        return render(
            request, "selfcare/account/contact_preferences.html", {"form": form}, status=400
        )
    return render(request, "selfcare/account/contact_preferences.html", {"form": form})


@customer_view
def directory_listing(request: HttpRequest, customer: Customer) -> HttpResponse:
    listing = directory_listing_for(customer=customer)
    initial = (
        {
            "listed": "yes" if listing.listed else "no",
            "first_name_initial_only": listing.first_name_initial_only,
            "address_publication": listing.address_publication,
            "publish_email": listing.publish_email,
            "anti_prospecting": listing.anti_prospecting,
            "anti_reverse_lookup": listing.anti_reverse_lookup,
        }
        if listing is not None
        else {"listed": "no", "address_publication": AddressPublication.NONE}
    )
    form = DirectoryListingForm(request.POST or None, initial=initial)
    context = {
        "form": form,
        "listing": listing,
        "terms": terms_get().directory_listing,
        "has_postal_address": address_get(customer=customer, kind=AddressKind.POSTAL) is not None,
    }
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                directory_listing_set(
                    customer=customer,
                    listed=data["listed"],
                    first_name_initial_only=data["first_name_initial_only"],
                    address_publication=data["address_publication"],
                    publish_email=data["publish_email"],
                    anti_prospecting=data["anti_prospecting"],
                    anti_reverse_lookup=data["anti_reverse_lookup"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except CustomerError as refused:
                form.add_error(None, refused.message)
            else:
                messages.success(request, _("Your directory listing choice is saved."))
                return redirect("selfcare:directory_listing")
        return render(request, "selfcare/account/directory_listing.html", context, status=400)
    return render(request, "selfcare/account/directory_listing.html", context)


@customer_view
def contracts(request: HttpRequest, customer: Customer) -> HttpResponse:
    return render(
        request,
        "selfcare/account/contracts.html",
        {"contracts": contracts_for_customer(customer=customer)},
    )


@never_cache
@customer_view
def contract_pdf(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    contract = contract_for_line(customer=customer, line_id=line_id)
    if contract is None:
        raise Http404
    return HttpResponse(
        contract_summary_pdf(contract),
        content_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{contract.filename}"'},
    )
