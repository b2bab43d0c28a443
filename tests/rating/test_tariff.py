"""What tariff_for_plan precomputes of the options and top-ups sold with the plan."""

from fractions import Fraction

from tests.rating.test_allowances import FIXES_85, RESTORATION, TRAVEL_7

GO_KO = 1024 * 1024


def test_every_option_and_top_up_of_the_plan_is_there(tariff):
    assert len(tariff.products) == 14 + 8  # options.toml and top_ups.toml for woot-100go


def test_international_calls_option_caps(tariff):
    option = tariff.products[FIXES_85]
    assert (option.voice_unlimited, option.max_call_s, option.max_recipients) == (
        True,
        3 * 3600,
        99,
    )
    assert option.label == "option Appels illimités vers les fixes de 85 destinations"
    routes = tariff.allowance_routes.filter(product_code=FIXES_85)
    assert routes.height == 60  # the named list: 60 ISO codes, from mainland France only
    assert set(routes.get_column("from_country")) == {"FR"}
    assert routes.select("landline", "mobile").unique().rows() == [(True, False)]


def test_travel_top_up_allowances_and_validity(tariff):
    top_up = tariff.products[TRAVEL_7]
    assert (top_up.voice_s, top_up.sms, top_up.data_ko, top_up.validity_days) == (
        1800,
        30,
        500 * 1024,
        7,
    )
    assert top_up.data_countries == {"US", "CA", "CH"}
    assert TRAVEL_7 in tariff.top_ups_with_validity
    assert RESTORATION not in tariff.top_ups_with_validity


def test_speed_restoration_is_the_plan_france_volume_in_france(tariff):
    restoration = tariff.products[RESTORATION]
    assert (restoration.data_ko, restoration.data_countries) == (100 * GO_KO, {"FR"})


def test_blocking_and_international_access(tariff):
    assert "out_of_bundle" in tariff.products["blocage"].blocks
    assert tariff.products["blocage-numeros-surtaxes"].blocks == {
        "premium_rate_calls",
        "premium_rate_messages",
        "gallery_downloads",
        "one_off_purchases",
    }
    assert [code for code, p in tariff.products.items() if p.international_access] == [
        "option-internationale"
    ]


def test_fair_use_rule(tariff):
    rule = tariff.fair_use
    assert (rule.zones, rule.window_days, rule.roaming_only_days_more_than) == ({"1"}, 120, 60)
    assert rule.roaming_share_more_than == Fraction(1, 2)
