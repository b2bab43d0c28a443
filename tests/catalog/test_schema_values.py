"""The catalog's values against the brochure (seeds/004). Pure: no database."""

from datetime import date

import pytest

from guichet.catalog.errors import CatalogError, CatalogErrorCode
from guichet.catalog.schema import Catalog, cents, micro_eur, volume_mo

# -- money and units ---------------------------------------------------------------------------


def test_amounts_are_exact_integers_of_the_printed_decimal_strings():
    assert cents("12.99") == 1299
    assert cents("7") == 700
    assert micro_eur("0.00216") == 2160
    assert micro_eur("15.4") == 15_400_000
    assert volume_mo("100 Go") == 102_400
    assert volume_mo("500 Mo") == 500


# -- plan: Récapitulatif contractuel Woot 100 Go -----------------------------------------------


def test_woot_100go_prices_in_cents(catalog: Catalog):
    plan = catalog.plan("woot-100go")
    assert (plan.list_price_cents, plan.discount_cents, plan.price_cents) == (1799, 500, 1299)
    assert plan.activation_fee_cents == 1000
    assert plan.activation_fee_label == "Carte SIM"
    assert plan.commitment_months == 0
    assert (plan.on_sale_from, plan.on_sale_until) == (date(2022, 12, 8), date(2022, 12, 24))


def test_woot_100go_allowances_speeds_and_throttle(catalog: Catalog):
    plan = catalog.plan("woot-100go")
    assert plan.france.voice_unlimited and plan.france.sms_unlimited and plan.france.mms_unlimited
    assert plan.france.data_mo == 100 * 1024
    assert (plan.data_exhaustion, plan.throttled_kbps) == ("throttled", 64)
    assert (plan.speed_down_mbps, plan.speed_up_mbps) == (600, 100)
    assert plan.roaming.zones == ("1",)
    assert plan.roaming.voice_unlimited and plan.roaming.sms_unlimited
    assert plan.roaming.data_mo == 17 * 1024
    assert plan.international_calls_included is False


def test_woot_100go_fair_use_and_unlimited_limits(catalog: Catalog):
    plan = catalog.plan("woot-100go")
    fair_use = plan.fair_use
    assert (fair_use.window_days, fair_use.roaming_only_days_more_than) == (120, 60)
    assert fair_use.roaming_usage_share_more_than == "0.5"
    assert fair_use.alert_before_charging is True
    assert plan.call_limits.max_call_minutes == 180
    assert plan.call_limits.private_use_between_consumers_only is True
    rogervoice = plan.accessibility[0]
    assert (rogervoice.code, rogervoice.monthly_credit_minutes) == ("rogervoice", 60)


# -- zones: International §1 -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("country", "zone"),
    [
        ("US", "2"),
        ("CA", "2"),
        ("DZ", "2"),
        ("MA", "2"),
        ("TR", "2"),
        ("CH", "1bis"),
        ("TN", "3bis"),
        ("GP", "1"),
        ("PM", "1"),
        ("GB", "1"),
        ("NO", "1"),
        ("FR", "1"),
        ("AX", "1"),
        ("CN", "3"),
        ("MC", "3"),
        ("AD", "3"),
        ("SM", "3"),
        ("VA", "3"),
        ("GI", "3"),
        ("FO", "3"),
        ("PR", "3"),
        ("XK", "3"),
    ],
)
def test_zone_of_country(catalog: Catalog, country: str, zone: str):
    assert catalog.zone_of_country(country) == zone


def test_zone_1_lists_eu_dom_efta_uk_and_france(catalog: Catalog):
    eu_without_france = {
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "GR", "HR", "HU", "IE",
        "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    }  # fmt: skip
    dom = {"GP", "GF", "MQ", "YT", "RE", "BL", "MF", "PM"}
    assert set(catalog.countries_in_zone("1")) == eu_without_france | dom | {
        "IS", "LI", "NO", "GB", "FR", "AX",
    }  # fmt: skip


def test_zone_3_is_every_other_country_code(catalog: Catalog):
    every_code = {country.code for country in catalog.countries.country}
    listed = {
        code for zone in ("1", "1bis", "2", "3bis") for code in catalog.countries_in_zone(zone)
    }
    assert len(every_code) == 252
    assert set(catalog.countries_in_zone("3")) == every_code - listed
    assert len(catalog.countries_in_zone("3")) == 205


def test_satellite_networks_by_calling_code_and_visited_network(catalog: Catalog):
    assert catalog.zone_of_calling_code("881612345678") == "satellite"
    assert catalog.zone_of_calling_code("870773111111") == "satellite"
    assert catalog.zone_of_calling_code("88216123456") == "satellite"
    assert catalog.zone_of_calling_code("883140123456") is None
    assert catalog.zone_of_visited_network("901") == "satellite"
    assert catalog.countries_in_zone("satellite") == ()


def test_unknown_country_code_is_refused(catalog: Catalog):
    with pytest.raises(CatalogError) as refused:
        catalog.zone_of_country("ZZ")
    assert refused.value.code == CatalogErrorCode.UNKNOWN_COUNTRY


# -- rates: International §2 -------------------------------------------------------------------


def test_every_rate_table_covers_every_zone_pair(catalog: Catalog):
    sizes = {table.code: len(table.cell) for table in catalog.rate_tables}
    assert sizes == {
        "from-france-voice": 6,
        "from-france-video": 6,
        "from-france-sms": 6,
        "from-france-mms": 6,
        "from-abroad-voice": 36,
        "from-abroad-video": 36,
        "from-abroad-sms": 36,
        "from-abroad-mms": 36,
        "from-abroad-data": 6,
        "received-abroad-calls": 7,  # + the non-occasional traveller's price, note (2)
        "received-abroad-sms": 6,
        "received-abroad-mms": 6,
    }
    assert len(catalog.rates) == 193


@pytest.mark.parametrize(
    ("destination", "price_micro_eur"),
    [("1", 228_000), ("1bis", 500_000), ("2", 600_000), ("3bis", 600_000), ("3", 1_500_000),
     ("satellite", 3_500_000)],
)  # fmt: skip
def test_voice_from_france_per_zone_with_first_minute_rule(
    catalog: Catalog, destination: str, price_micro_eur: int
):
    rate = catalog.rate_from_france("voice", destination)
    assert rate.price_micro_eur == price_micro_eur
    assert (rate.unit, rate.charging) == ("per_minute", "first_minute_then_per_second")


def test_video_and_messages_from_france_read_blank_cells_as_merged(catalog: Catalog):
    assert catalog.rate_from_france("video", "1bis").price_micro_eur == 1_200_000
    assert catalog.rate_from_france("video", "satellite").price_micro_eur == 7_000_000
    assert catalog.rate_from_france("sms", "1").price_micro_eur == 72_000
    for zone in ("1bis", "2", "3", "3bis", "satellite"):
        assert catalog.rate_from_france("sms", zone).price_micro_eur == 300_000
    for zone in ("1", "1bis", "2", "3", "3bis", "satellite"):
        sms_mms = catalog.rate_from_france("mms", zone)
        assert (sms_mms.price_micro_eur, sms_mms.unit) == (900_000, "per_recipient")


def test_calls_from_zone_1_carry_their_marks(catalog: Catalog):
    voice = catalog.rate_from_abroad("voice", "1", "1")
    assert (voice.price_micro_eur, voice.charging) == (26_400, "first_30s_then_per_second")
    video = catalog.rate_from_abroad("video", "1", "1")
    assert (video.price_micro_eur, video.charging) == (510_000, "first_minute_then_per_second")
    to_switzerland = catalog.rate_from_abroad("voice", "1", "1bis")
    assert (to_switzerland.price_micro_eur, to_switzerland.charging) == (
        420_000,
        "first_30s_then_per_second",
    )
    assert catalog.rate_from_abroad("voice", "1", "3bis").price_micro_eur == 4_600_000


def test_calls_from_abroad_staircase_of_merged_cells(catalog: Catalog):
    within_switzerland = catalog.rate_from_abroad("voice", "1bis", "1bis")
    assert (within_switzerland.price_micro_eur, within_switzerland.charging) == (
        420_000,
        "first_30s_then_per_second",
    )
    assert catalog.rate_from_abroad("voice", "2", "2").price_micro_eur == 1_200_000
    assert catalog.rate_from_abroad("voice", "3", "2").price_micro_eur == 2_200_000
    assert catalog.rate_from_abroad("voice", "satellite", "1").price_micro_eur == 4_600_000
    assert catalog.rate_from_abroad("video", "2", "1bis").price_micro_eur == 1_200_000


def test_sms_and_mms_sent_from_abroad(catalog: Catalog):
    assert catalog.rate_from_abroad("sms", "1", "1").price_micro_eur == 4_800
    assert catalog.rate_from_abroad("sms", "1", "satellite").price_micro_eur == 300_000
    assert catalog.rate_from_abroad("sms", "1bis", "1bis").price_micro_eur == 130_000
    assert catalog.rate_from_abroad("sms", "3", "1").price_micro_eur == 300_000
    assert catalog.rate_from_abroad("sms", "3bis", "2").price_micro_eur == 800_000
    assert catalog.rate_from_abroad("mms", "1", "1").price_micro_eur == 2_160
    assert catalog.rate_from_abroad("mms", "1", "3").price_micro_eur == 1_100_000
    assert catalog.rate_from_abroad("mms", "1bis", "1bis").price_micro_eur == 700_000
    assert catalog.rate_from_abroad("mms", "satellite", "1").price_micro_eur == 1_100_000


def test_data_abroad_per_mo(catalog: Catalog):
    prices = {zone: catalog.rate_data_abroad(zone).price_micro_eur for zone in catalog.zone_codes}
    assert prices == {
        "1": 2_160,
        "1bis": 700_000,
        "2": 15_400_000,
        "3": 15_400_000,
        "3bis": 15_400_000,
        "satellite": 15_400_000,
    }
    assert catalog.rate_data_abroad("2").unit == "per_mo"


def test_reception_abroad(catalog: Catalog):
    switzerland = catalog.rate_received_abroad("voice", "1bis")
    assert (switzerland.price_micro_eur, switzerland.charging) == (130_000, "per_second")
    assert catalog.rate_received_abroad("voice", "1").price_micro_eur == 0
    non_occasional = catalog.rate_received_abroad("voice", "1", non_occasional=True)
    assert (non_occasional.price_micro_eur, non_occasional.charging) == (4_800, "per_second")
    assert catalog.rate_received_abroad("voice", "2", non_occasional=True).price_micro_eur == (
        600_000
    )
    assert catalog.rate_received_abroad("voice", "3").price_micro_eur == 1_000_000
    assert catalog.rate_received_abroad("voice", "satellite").price_micro_eur == 2_200_000
    assert catalog.rate_received_abroad("sms", "3bis").price_micro_eur == 0
    assert catalog.rate_received_abroad("mms", "3").price_micro_eur == 840_000


def test_merged_cells_say_how_they_were_read(catalog: Catalog):
    blank = catalog.rate_from_france("video", "1bis")
    assert blank.interpretation == "Cellule vide lue comme fusionnée à gauche (1,20 €)."
    assert blank.source == (
        "International §2, « Les communications de la France vers l'étranger », ligne Appels visio"
    )


def test_unknown_rate_is_refused(catalog: Catalog):
    with pytest.raises(CatalogError) as refused:
        catalog.rate("from_france", "data", destination="1")
    assert refused.value.code == CatalogErrorCode.UNKNOWN_RATE


def test_usage_rules_of_the_international_pages(catalog: Catalog):
    pricing = {rule.code: rule.pricing for rule in catalog.usage_rules}
    assert pricing["service-numbers-from-abroad"] == "call_from_visited_zone"
    assert pricing["french-special-numbers-from-abroad"] == (
        "call_from_visited_zone_plus_provider_surcharge"
    )
    assert pricing["call-forwarding"] == "outgoing_call_from_line"
    marks = {rule.code: rule.mark for rule in catalog.charging_rules}
    assert marks == {
        "first_minute_then_per_second": "",
        "first_30s_then_per_second": "*",
        "per_second": "**",
    }


# -- options: Options et recharges -------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "price_cents"),
    [
        ("option-internationale", 0),
        ("appels-fixes-85-destinations", 400),
        ("appels-ue-suisse-1h", 500),
        ("maghreb-turquie-30min", 700),
        ("maghreb-turquie-60min", 1200),
        ("suisse-30min-50sms", 600),
        ("suisse-1h-100sms", 900),
        ("suisse-3h-300sms-300mo", 2000),
        ("controle-parental", 0),
        ("digital-coach", 349),
        ("blocage", 100),
        ("blocage-numeros-surtaxes", 0),
        ("securite-kaspersky", 300),
        ("double-appel", 100),
        ("voix-premium", 0),
    ],
)
def test_option_prices(catalog: Catalog, code: str, price_cents: int):
    assert catalog.option(code).price_cents == price_cents


def test_unlimited_landlines_option_caps_and_destinations(catalog: Catalog):
    option = catalog.option("appels-fixes-85-destinations")
    assert (option.max_call_minutes, option.max_recipients_per_month) == (180, 99)
    assert option.allowance is not None and option.allowance.voice_unlimited
    (route,) = option.routes
    assert (route.from_countries, route.to_lines) == (("FR",), ("landline",))
    assert len(route.to_countries) == 60
    assert {"GB", "CX", "CL", "AX", "IL", "MA", "US", "BL"} <= set(route.to_countries)
    assert not {"FR", "PM", "TN"} & set(route.to_countries)
    assert [(e.country, e.network) for e in option.excluded_networks] == [
        ("IL", "Paltel"),
        ("MA", "Wana"),
    ]


def test_one_hour_eu_switzerland_and_maghreb_options(catalog: Catalog):
    one_hour = catalog.option("appels-ue-suisse-1h")
    assert one_hour.allowance is not None and one_hour.allowance.voice_minutes == 60
    (route,) = one_hour.routes
    assert len(route.to_countries) == 39
    assert {"CH", "CA", "US", "PR", "GB", "AD"} <= set(route.to_countries)
    assert "IS" not in route.to_countries
    maghreb = catalog.option("maghreb-turquie-60min")
    assert maghreb.routes[0].to_countries == ("MA", "DZ", "TN", "TR")
    assert maghreb.family == catalog.option("maghreb-turquie-30min").family == "maghreb-turquie"


def test_switzerland_options_allowances(catalog: Catalog):
    allowances = {
        code: catalog.option(code).allowance
        for code in ("suisse-30min-50sms", "suisse-1h-100sms", "suisse-3h-300sms-300mo")
    }
    summary = {code: (a.voice_minutes, a.sms, a.data_mo) for code, a in allowances.items() if a}
    assert summary == {
        "suisse-30min-50sms": (30, 50, None),
        "suisse-1h-100sms": (60, 100, None),
        "suisse-3h-300sms-300mo": (180, 300, 300),
    }
    routes = catalog.option("suisse-1h-100sms").routes
    assert [(r.from_countries, r.to_countries) for r in routes] == [
        (("FR",), ("CH",)),
        (("CH",), ("FR", "CH")),
    ]


def test_option_effects_follow_notes_3_and_4(catalog: Catalog):
    next_renewal = {o.code for o in catalog.options if o.change_effect == "next_renewal"}
    assert next_renewal == {"digital-coach", "securite-kaspersky"}
    assert {o.subscription_effect for o in catalog.options} == {"immediate"}
    tacit = {o.code for o in catalog.options if o.renewal == "monthly_tacit"}
    assert tacit == {o.code for o in catalog.options} - {"option-internationale", "voix-premium"}
    assert catalog.option("securite-kaspersky").free_months == 1


def test_peace_of_mind_options_rules(catalog: Catalog):
    parental = catalog.option("controle-parental")
    assert [c.code for c in parental.conditions] == [
        "line-user-is-minor",
        "line-user-is-not-holder",
    ]
    blocking = catalog.option("blocage")
    assert blocking.incompatible_with == ("blocage-numeros-surtaxes",)
    assert "international_calls_included_in_offer" in blocking.blocks
    assert blocking.keeps == ("communications_from_abroad_included_in_offer",)
    premium = catalog.option("blocage-numeros-surtaxes")
    assert premium.channels == ("customer_service",)
    assert premium.incompatible_with == ("blocage",)


def test_international_option_conditions(catalog: Catalog):
    option = catalog.option("option-internationale")
    assert [c.code for c in option.conditions] == [
        "after-first-subscription-month",
        "no-unpaid-invoice",
    ]
    assert option.channels == ("selfcare",)
    assert "eligible-offer" in [c.code for c in catalog.option("voix-premium").conditions]
    assert catalog.option("double-appel").roaming_zones == ("1",)


# -- top-ups -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "price_cents", "validity_days", "voice_minutes", "sms", "data_mo"),
    [
        ("voyage-usa-canada-suisse-7j", 999, 7, 30, 30, 500),
        ("voyage-usa-canada-suisse-14j", 2999, 14, None, None, 3072),
        ("data-usa-canada-500mo", 399, 7, None, None, 500),
        ("data-usa-canada-3go", 1499, 14, None, None, 3072),
        ("multi-destinations-appels-sms", 1999, 30, 60, 60, None),
        ("multi-destinations-data", 1999, 30, None, None, 300),
    ],
)
def test_travel_top_ups(
    catalog: Catalog,
    code: str,
    price_cents: int,
    validity_days: int,
    voice_minutes: int | None,
    sms: int | None,
    data_mo: int | None,
):
    top_up = catalog.top_up(code)
    assert (top_up.price_cents, top_up.validity_days) == (price_cents, validity_days)
    assert top_up.allowance is not None
    allowance = top_up.allowance
    assert (allowance.voice_minutes, allowance.sms, allowance.data_mo) == (
        voice_minutes,
        sms,
        data_mo,
    )


def test_unlimited_usa_canada_switzerland_top_up_routes(catalog: Catalog):
    top_up = catalog.top_up("voyage-usa-canada-suisse-14j")
    assert top_up.allowance is not None and top_up.allowance.voice_unlimited
    (route,) = top_up.routes
    assert (route.from_countries, route.to_countries) == (
        ("US", "CA", "CH"),
        ("US", "CA", "CH", "FR"),
    )


def test_multi_destination_countries(catalog: Catalog):
    data = catalog.top_up("multi-destinations-data")
    assert set(data.data_countries) == {
        "DZ", "SA", "AM", "AU", "CN", "KR", "HK", "IN", "ID", "IL", "JP", "JO", "MA", "NZ",
        "QA", "RU", "SG", "TW", "TH", "TR", "TN",
    }  # fmt: skip
    calls = catalog.top_up("multi-destinations-appels-sms")
    assert calls.routes[0].to_countries == (*data.data_countries, "FR")


def test_speed_restoration(catalog: Catalog):
    restoration = catalog.top_up("retablissement-debit-woot-100go")
    assert restoration.price_cents == 4000
    assert (restoration.validity, restoration.validity_days) == ("until_plan_renewal", None)
    assert (restoration.restores_plan_data_in, restoration.carry_over) == ("FR", False)


# -- fees, numbers, bill advance, SMS ----------------------------------------------------------


def test_service_fees_by_channel(catalog: Catalog):
    assert catalog.fee("changement-numero").price_cents_for(channel="customer_service") == 1000
    # Opened to self-care at the same price (seed 000 lists the act; fees.toml).
    assert catalog.fee("changement-numero").price_cents_for(channel="selfcare") == 1000
    sim = catalog.fee("remplacement-carte-sim")
    assert sim.price_cents_for(channel="customer_service") == 1000
    assert sim.price_cents_for(channel="selfcare", previous_uses=0) == 0
    assert sim.price_cents_for(channel="selfcare", previous_uses=1) == 1000
    unblock = catalog.fee("deblocage-carte-sim")
    assert [
        unblock.price_cents_for(channel=c) for c in ("customer_service", "selfcare", "ivr")
    ] == [
        500,
        0,
        0,
    ]
    debit_day = catalog.fee("modification-date-prelevement")
    assert debit_day.price_cents_for(channel="customer_service") == 500
    assert debit_day.price_cents_for(channel="selfcare") == 0
    assert catalog.fee("suspension-vol-perte").price_cents == 0
    assert catalog.fee("remise-en-service-impaye").price_cents == 1000
    assert catalog.security_deposit.amount_cents == 50_000


def test_special_numbers_by_digits(catalog: Catalog):
    customer_service = catalog.special_number("675200")
    assert customer_service is not None and customer_service.code == "service-client-mobile"
    assert catalog.special_number("200") == customer_service
    assert customer_service.free_first_minutes == 1
    assert customer_service.over_allowance_per_minute_micro_eur == 380_000
    free = catalog.special_number("0805123456")
    assert free is not None and (free.code, free.pricing) == ("numeros-gratuits-0800-0805", "free")
    assert catalog.special_number("0806123456") is None
    emergency = catalog.special_number("112")
    assert emergency is not None and emergency.pricing == "free"
    ringtones = catalog.special_number("766")
    assert ringtones is not None
    assert (ringtones.per_call_micro_eur, ringtones.per_minute_micro_eur) == (1_350_000, 340_000)
    horoscope = catalog.special_number("467")
    assert horoscope is not None and horoscope.per_minute_micro_eur == 340_000
    answering = catalog.special_number("737")
    assert answering is not None and answering.per_call_micro_eur == 1_340_000
    assert catalog.special_number("33700") is not None
    assert catalog.special_number("0612345678") is None


def test_bill_advance_thresholds(catalog: Catalog):
    advance = catalog.bill_advance
    assert advance.plans == ("woot-100go", "woot-20go-exemple")
    assert advance.new_customer_threshold_cents == 3000
    assert advance.new_customer_until_invoice_count == 3
    assert (advance.established_multiplier, advance.established_average_of_last_invoices) == (
        "1.5",
        3,
    )
    assert advance.after_payment_incident_threshold_cents == 1500
    assert advance.after_payment_incident_months == 6


def test_sms_practical_information(catalog: Catalog):
    sms = catalog.practical.sms
    assert (sms.standard_characters, sms.special_characters) == (160, 70)
    assert sms.spam_report_number == "33700"
    assert sms.keyword_sender_first_digits == ("3", "4", "5", "6", "7", "8")


def test_multimedia_downloads(catalog: Catalog):
    games = {
        d.code: (cents(d.min_price_eur), cents(d.max_price_eur))
        for d in catalog.multimedia.download
    }
    assert games == {"jeux": (150, 999), "jeux-hd": (150, 999)}


# -- terms of service --------------------------------------------------------------------------


def test_terms_delays(catalog: Catalog):
    terms = catalog.terms
    delays = {
        "termination notice": terms.termination.notice,
        "withdrawal": terms.withdrawal.period,
        "porting": terms.porting.delay,
        "activation": terms.activation.when_used_before_withdrawal_ends,
        "direct debit": terms.billing.direct_debit_prenotice,
        "deposit refund": terms.security_deposit.refund_after_cause_disappears,
    }
    assert {name: (d.amount, d.unit) for name, d in delays.items()} == {
        "termination notice": (10, "calendar_days"),
        "withdrawal": (14, "calendar_days"),
        "porting": (3, "ouvrable_days"),
        "activation": (3, "working_days"),
        "direct debit": (10, "calendar_days"),
        "deposit refund": (10, "calendar_days"),
    }


def test_suspension_causes_and_billing(catalog: Catalog):
    causes = {cause.code: cause.billing_continues for cause in catalog.terms.suspension_cause}
    assert causes == {
        "missing-documents": True,
        "fraud": True,
        "stolen-device": True,
        "awaiting-deposit-or-advance": True,
        "unpaid-invoice": True,
        "legal-violation": True,
        "force-majeure": False,
        "theft-or-loss": True,
    }
    unpaid = catalog.terms.suspension("unpaid-invoice")
    assert unpaid.text.startswith("Non-paiement d'une facture à la date limite de paiement")
    with pytest.raises(KeyError):
        catalog.terms.suspension("late-payment")


def test_termination_fee_rules_and_legitimate_reasons(catalog: Catalog):
    termination = catalog.terms.termination
    assert termination.fee_rule_for(date(2022, 12, 31)).beyond_first_year_share == "0.25"
    from_2023 = termination.fee_rule_for(date(2023, 1, 1))
    assert (from_2023.code, from_2023.beyond_first_year_share) == ("commitment-from-2023", "0.2")
    assert from_2023.beyond_first_year_requires_subsidised_device is True
    assert [reason.code for reason in termination.legitimate_reasons] == [
        "dismissal",
        "over-indebtedness",
        "move-to-uncovered-area",
        "move-abroad-over-12-months",
        "illness-or-disability-over-3-months",
    ]


def test_security_deposit_causes_line_transfer_and_directory(catalog: Catalog):
    terms = catalog.terms
    assert [c.code for c in terms.security_deposit.causes] == [
        "irregular-cheque",
        "preventel-listed",
        "more-than-two-contracts",
    ]
    assert terms.line_transfer.free and terms.line_transfer.requires_all_sums_settled
    assert terms.directory_listing.free
    assert terms.directory_listing.restrictions == (
        "anti_prospecting",
        "anti_reverse_lookup",
        "partial_details",
    )
    assert terms.porting.porting_code_length == 12


# -- compatibility table, sample box offer, products -------------------------------------------


def test_compatibility_table(catalog: Catalog):
    statuses = {line.code: line.status for line in catalog.compatibility}
    assert statuses == {
        "option-internationale": "free_on_activation",
        "appels-gratuits": "included",
        "presentation-numero": "included",
        "portabilite": "included",
        "mode-modem": "included",
        "voix-sur-ip": "included",
        "double-appel": "optional",
        "options-et-recharges": "optional",
        "retablissement-debit": "optional",
        "controle-parental": "included",
    }


def test_sample_box_offer_is_marked_and_explained(catalog: Catalog):
    box = catalog.box_offer("bbox-fibre-exemple")
    assert box.is_sample and box.market == "fixed"
    assert (box.price_cents, box.activation_fee_cents, box.commitment_months) == (3099, 4800, 12)
    assert [e.code for e in box.equipment if e.rented] == ["bbox", "decodeur-tv"]
    assert box.interpretation.startswith("Offre d'exemple, pas une offre de la brochure")
    assert all(o.is_sample and o.market == "fixed" for o in catalog.box_options)
    assert [o.code for o in catalog.options_for_plan("bbox-fibre-exemple")] == [
        "box-appels-mobiles-exemple",
        "box-decodeur-supplementaire-exemple",
    ]


def test_sample_plan_is_marked_explained_and_cheaper_with_less_data(catalog: Catalog):
    sample, brochure = catalog.plan("woot-20go-exemple"), catalog.plan("woot-100go")
    assert sample.is_sample and not brochure.is_sample
    assert sample.name.endswith("(exemple)") and sample.market == "mobile"
    assert sample.interpretation.startswith("Forfait d'exemple, pas une offre de la brochure")
    assert (sample.price_cents, sample.discount_cents) == (999, 0)
    assert sample.activation_fee_cents == brochure.activation_fee_cents
    assert (sample.france.data_mo, sample.roaming.data_mo) == (20 * 1024, 9 * 1024)
    # Everything the sample does not invent is the brochure plan's rule.
    cited = {"source", "interpretation"}
    assert sample.fair_use.model_dump(exclude=cited) == brochure.fair_use.model_dump(exclude=cited)
    assert sample.call_limits.model_dump(exclude=cited) == brochure.call_limits.model_dump(
        exclude=cited
    )
    assert sample.roaming.zones == brochure.roaming.zones
    assert (sample.data_exhaustion, sample.throttled_kbps) == ("throttled", 64)
    assert sample.roaming.voice_unlimited and sample.france.voice_unlimited
    # Sold with the Woot options and travel top-ups, not with the Woot 100 Go's restoration.
    assert catalog.options_for_plan("woot-20go-exemple") == catalog.options_for_plan("woot-100go")
    assert [t.code for t in catalog.top_ups_for_plan("woot-20go-exemple")] == [
        t.code
        for t in catalog.top_ups_for_plan("woot-100go")
        if t.code != "retablissement-debit-woot-100go"
    ]


def test_products_have_unique_codes_and_cite_a_source(catalog: Catalog):
    codes = [product.code for product in catalog.products]
    assert len(codes) == len(set(codes)) == 34
    assert all(product.source.strip() for product in catalog.products)
    assert len(catalog.options_for_plan("woot-100go")) == 15
    assert len(catalog.top_ups_for_plan("woot-100go")) == 7


def test_product_lookup_refuses_unknown_code_and_wrong_kind(catalog: Catalog):
    with pytest.raises(CatalogError) as unknown:
        catalog.product("woot-50go")
    assert unknown.value.code == CatalogErrorCode.UNKNOWN_PRODUCT
    with pytest.raises(CatalogError) as wrong_kind:
        catalog.option("woot-100go")
    assert wrong_kind.value.message == "'woot-100go' is of kind 'plan', not 'option'"
