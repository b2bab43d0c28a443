"""Conso's acts: manage or block mobile data, purchases on the bill (Internet+) and their cap,
the box's VOD, and the international rates; and the box's Wi-Fi settings (a Lignes page)."""

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from guichet.care.actors import Actor
from guichet.catalog.errors import CatalogError
from guichet.catalog.models import (
    Market,
    RateDirection,
    TariffRate,
    TariffZone,
    Travellers,
    ZoneCountry,
)
from guichet.catalog.selectors import countries_list, rates_for_zone, zone_for_country, zones_list
from guichet.customers.models import Customer
from guichet.customers.rules import paris_date
from guichet.lines.errors import LineSettingsError
from guichet.lines.models import Line
from guichet.lines.selectors import (
    box_wifi_get,
    data_mode_get,
    line_get_for_customer,
    provisioning_commands_for_line,
)
from guichet.lines.services import BoxWifiIn, box_wifi_set, line_set_data_mode
from guichet.selfcare.forms.usage import BoxWifiForm, CarrierBillingCapForm, DataUsageModeForm
from guichet.selfcare.views.common import customer_view
from guichet.selfcare.views.usage_display import rate_text
from guichet.usage.errors import CarrierBillingError
from guichet.usage.models import CarrierBillingSubscriptionStatus
from guichet.usage.selectors import (
    carrier_billing_cap_cents,
    carrier_billing_purchases_page,
    carrier_billing_subscription_get_for_line,
    carrier_billing_subscriptions_for_line,
    vod_purchases_by_month,
)
from guichet.usage.services import carrier_billing_cap_set, carrier_billing_subscription_cancel


def _line_or_404(customer: Customer, line_id: int, market: str | None = None) -> Line:
    line = line_get_for_customer(customer=customer, line_id=line_id)
    if line is None or (market is not None and line.market != market):
        raise Http404
    return line


def _actor(request: HttpRequest) -> Actor:
    return Actor.customer(request.user)  # type: ignore[arg-type]


# Data mode --------------------------------------------------------------------------------------


@customer_view
@require_http_methods(["GET", "POST"])
def data_usage_mode(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id, Market.MOBILE)
    current = data_mode_get(line=line)
    form = DataUsageModeForm(request.POST or None, initial={"mode": current})
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                line_set_data_mode(
                    line=line,
                    mode=form.cleaned_data["mode"],
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except LineSettingsError as refusal:
                error = refusal.message
            else:
                return redirect(f"{request.path}?saved=1")
        status = 400
    return render(
        request,
        "selfcare/usage/data_usage_mode.html",
        {
            "line": line,
            "form": form,
            "current": current,
            "error": error,
            "saved": request.GET.get("saved") == "1",
            "commands": provisioning_commands_for_line(line=line),
        },
        status=status,
    )


# Box settings (Lignes) --------------------------------------------------------------------------


@customer_view
@require_http_methods(["GET", "POST"])
def box_settings(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id, Market.FIXED)
    wifi = box_wifi_get(line=line)
    initial = {
        "network_name": wifi.network_name,
        "wifi_key": wifi.wifi_key,
        "wifi_enabled": wifi.wifi_enabled,
        "guest_enabled": wifi.guest_enabled,
    }
    form = BoxWifiForm(request.POST or None, initial=initial)
    error, status = "", 200
    if request.method == "POST":
        if form.is_valid():
            try:
                wifi = box_wifi_set(
                    line=line,
                    settings_in=BoxWifiIn(**form.cleaned_data),
                    actor=_actor(request),
                    now=timezone.now(),
                )
            except LineSettingsError as refusal:
                error = refusal.message
            else:
                return redirect(f"{request.path}?saved=1")
        status = 400
    return render(
        request,
        "selfcare/usage/box_settings.html",
        {
            "line": line,
            "wifi": wifi,
            "form": form,
            "error": error,
            "saved": request.GET.get("saved") == "1",
            "commands": provisioning_commands_for_line(line=line),
        },
        status=status,
    )


# Purchases on the bill --------------------------------------------------------------------------


@customer_view
@require_http_methods(["GET", "POST"])
def carrier_billing(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id)
    cap = carrier_billing_cap_cents(line=line)
    cap_form = CarrierBillingCapForm(
        request.POST if request.POST.get("action") == "cap" else None,
        initial={"cap_cents": str(cap)},
    )
    error, status = "", 200
    if request.method == "POST":
        try:
            _carrier_billing_act(request, line, cap_form)
        except CarrierBillingError as refusal:
            error = refusal.message
        except _InvalidForm:
            pass
        else:
            return redirect(f"{request.path}?saved=1")
        status = 400
    page = carrier_billing_purchases_page(line=line, page=_page_number(request))
    return render(
        request,
        "selfcare/usage/carrier_billing.html",
        {
            "line": line,
            "cap_cents": cap,
            "cap_form": cap_form,
            "subscriptions": carrier_billing_subscriptions_for_line(line=line),
            "active": CarrierBillingSubscriptionStatus.ACTIVE,
            "purchases": page,
            "error": error,
            "saved": request.GET.get("saved") == "1",
        },
        status=status,
    )


class _InvalidForm(Exception):
    pass


def _carrier_billing_act(request: HttpRequest, line: Line, cap_form: CarrierBillingCapForm) -> None:
    action, now = request.POST.get("action"), timezone.now()
    if action == "cap":
        if not cap_form.is_valid():
            raise _InvalidForm
        carrier_billing_cap_set(
            line=line, cap_cents=cap_form.cleaned_data["cap_cents"], actor=_actor(request), now=now
        )
    elif action == "cancel":
        subscription = carrier_billing_subscription_get_for_line(
            line=line, subscription_id=_int(request.POST.get("subscription"))
        )
        if subscription is None:
            raise Http404
        carrier_billing_subscription_cancel(
            subscription=subscription, actor=_actor(request), now=now
        )
    else:
        raise Http404


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0


def _page_number(request: HttpRequest) -> int:
    return max(_int(request.GET.get("page")), 1)


# VOD -------------------------------------------------------------------------------------------


@customer_view
def vod_purchases(request: HttpRequest, customer: Customer, line_id: int) -> HttpResponse:
    line = _line_or_404(customer, line_id, Market.FIXED)
    months = vod_purchases_by_month(line=line, today=paris_date(timezone.now()))
    return render(
        request,
        "selfcare/usage/vod_purchases.html",
        {"line": line, "months": months, "total_cents": sum(m.total_cents for m in months)},
    )


# International rates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    rate: TariffRate
    direction: str
    service: str
    towards: str  # the other end: a zone name, or "" for data and calls received
    price: str  # "0,228 €/min"
    charging: str
    travellers: str  # "" when the rate applies to every traveller


@customer_view
def international_rates(request: HttpRequest, customer: Customer) -> HttpResponse:
    countries = countries_list()
    code = (request.GET.get("country") or "").strip().upper()
    zone: TariffZone | None = None
    country: ZoneCountry | None = None
    error = ""
    if code:
        country = next((item for item in countries if item.country_code == code), None)
        try:
            zone = zone_for_country(country_code=code) if country else None
        except CatalogError:
            zone = None
        if zone is None:
            error = "Choisissez un pays dans la liste."
    rows = _rate_rows(zone) if zone is not None else []
    return render(
        request,
        "selfcare/usage/international_rates.html",
        {
            "countries": countries,
            "country": country,
            "zone": zone,
            "zones": zones_list() if zone is None else [],
            "rows": rows,
            "error": error,
        },
        status=400 if error else 200,
    )


def _rate_rows(zone: TariffZone) -> list[RateRow]:
    return [
        RateRow(
            rate=rate,
            direction=rate.get_direction_display(),
            service=rate.get_service_display(),
            towards=rate.destination.name
            if rate.direction == RateDirection.FROM_ABROAD and rate.destination
            else "",
            price=f"{rate_text(rate.price_micro_eur).removesuffix(' €')} {rate.get_unit_display()}",
            charging=rate.get_charging_display() if rate.charging else "",
            travellers=rate.get_travellers_display() if rate.travellers != Travellers.ALL else "",
        )
        for rate in rates_for_zone(zone=zone)
    ]
