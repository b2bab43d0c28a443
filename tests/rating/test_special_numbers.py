import pytest

from guichet.rating import rate_usage
from tests.rating.conftest import frame, record


def rate_one(tariff, **fields):
    return rate_usage(frame([record(**fields)]), tariff=tariff).records.row(0, named=True)


@pytest.mark.parametrize(
    "other", ["112", "15", "0800123456", "0805999999", "+33800123456", "33700"]
)
def test_free_numbers_cost_nothing_even_from_abroad(tariff, other):
    for visited in ("FR", "US"):
        row = rate_one(tariff, other=other, visited=visited, duration="300")
        assert (row["status"], row["charge_micro_eur"], row["included"]) == ("rated", 0, True)
        assert row["reason"].startswith("free number: ")


@pytest.mark.parametrize("other", ["200", "675200", "0969360200", "+33969360200"])
def test_customer_service_is_included_from_france(tariff, other):
    row = rate_one(tariff, other=other, duration="300")
    assert (row["charge_micro_eur"], row["included"]) == (0, True)


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        ("766", 1_860_000),  # 1.35 €/call + 0.34 €/min × 90/60 (per second); call included
        ("737", 1_340_000),  # 1.34 €/call
        ("467", 510_000),  # 0.34 €/min × 90/60
    ],
)
def test_multimedia_voice_services_from_france(tariff, other, expected):
    row = rate_one(tariff, other=other, duration="90")
    assert (row["status"], row["charge_micro_eur"], row["included"]) == ("rated", expected, False)


def test_766_from_zone_2_adds_the_call_to_zone_1(tariff):
    row = rate_one(tariff, other="766", visited="US", duration="90")
    # 1.20 €/min × 90 / 60 = 1.80 € + 1.35 € + 0.34 × 1.5 = 0.51 €
    assert row["charge_micro_eur"] == 3_660_000
    assert row["reason"] == (
        "from zone 2 to zone 1: 1.20 €/min, first minute indivisible, 90 s; "
        "+ surcharge Sonneries au 766: 1.35 € per call + 0.34 €/min, per second"
    )


def test_sms_to_a_premium_voice_service_is_rejected(tariff):
    row = rate_one(tariff, service="sms", other="766", duration=None)
    assert row["status"] == "rejected"
    assert (
        row["reason"]
        == "no sms price for the premium voice service Sonneries au 766 (Services multimédia)"
    )


def test_unknown_short_code_is_rejected(tariff):
    row = rate_one(tariff, other="9999")
    assert (row["status"], row["reason"]) == (
        "rejected",
        "unknown short code other_party '9999' (not in numbers.toml)",
    )


@pytest.mark.parametrize(
    ("other", "zone"),
    [
        ("+12125551234", "2"),  # New York: +1 shared by zones, resolved by phonenumbers
        ("+14165551234", "2"),  # Toronto
        ("+17875551234", "3"),  # Puerto Rico
        ("+442079460000", "1"),  # London
        ("+441481256789", "3"),  # Guernsey
        ("+441481123456", "1"),  # invalid in GB and GG: the code's main country, GB
        ("+88216123456", "satellite"),  # Thuraya
        ("+88234123456", "3"),  # other +882: not satellite
        ("+881612345678", "satellite"),
    ],
)
def test_destination_zones(tariff, other, zone):
    row = rate_one(tariff, other=other, duration="60")
    assert (row["status"], row["destination_zone"]) == ("rated", zone)
