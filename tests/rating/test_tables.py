"""Every rate table of the brochure (International §2), at least one record per cell family,
with hand-computed charges in micro-euros."""

import pytest

from guichet.rating import rate_usage
from tests.rating.conftest import frame, record

DE, CH, US, CN, TN, INMARSAT = (
    "+4930123456",
    "+41441234567",
    "+12125551234",
    "+8613812345678",
    "+21671123456",
    "+870773111111",
)


def rate_one(tariff, **fields):
    result = rate_usage(frame([record(**fields)]), tariff=tariff)
    row = result.records.row(0, named=True)
    assert row["status"] == "rated", row["reason"]
    return row


@pytest.mark.parametrize(
    ("other", "zone", "expected"),
    [
        # 75 s, first minute indivisible then per second: price × 75 / 60
        (DE, "1", 285_000),  # 0.228 €/min
        (CH, "1bis", 625_000),  # 0.50
        (US, "2", 750_000),  # 0.60
        (CN, "3", 1_875_000),  # 1.50 — the example, 1.875 €
        (TN, "3bis", 750_000),  # 0.60
        (INMARSAT, "satellite", 4_375_000),  # 3.50
    ],
)
def test_voice_from_france(tariff, other, zone, expected):
    row = rate_one(tariff, other=other, duration="75")
    assert (row["destination_zone"], row["charge_micro_eur"], row["included"]) == (
        zone,
        expected,
        False,
    )


def test_voice_from_france_under_a_minute_pays_the_indivisible_first_minute(tariff):
    row = rate_one(tariff, other=CN, duration="20")
    assert row["charge_micro_eur"] == 1_500_000
    assert row["reason"] == "from France to zone 3: 1.50 €/min, first minute indivisible, 20 s"


@pytest.mark.parametrize(
    ("other", "expected"),
    [
        (DE, 1_200_000),
        (CH, 1_200_000),
        (US, 1_800_000),
        (CN, 2_400_000),
        (TN, 1_800_000),
        (INMARSAT, 7_000_000),
    ],
)
def test_video_from_france_20_s(tariff, other, expected):
    assert (
        rate_one(tariff, service="video", other=other, duration="20")["charge_micro_eur"]
        == expected
    )


@pytest.mark.parametrize(
    ("service", "other", "expected"),
    [
        ("sms", DE, 72_000),
        ("sms", CH, 300_000),
        ("sms", US, 300_000),
        ("sms", CN, 300_000),
        ("sms", INMARSAT, 300_000),
        ("mms", DE, 900_000),
        ("mms", TN, 900_000),
    ],
)
def test_messages_from_france_per_recipient(tariff, service, other, expected):
    row = rate_one(tariff, service=service, other=other, duration=None)
    assert row["charge_micro_eur"] == expected


@pytest.mark.parametrize(
    ("visited", "other", "seconds", "expected", "rule"),
    [
        ("DE", CH, "20", 210_000, "first 30 s indivisible"),  # 0.42* × 30 / 60
        ("DE", CH, "45", 315_000, "first 30 s indivisible"),  # 0.42* × 45 / 60
        ("CH", "+33612345678", "10", 210_000, "first 30 s indivisible"),  # 1bis → 1, 0.42*
        ("DE", US, "61", 1_220_000, "first minute indivisible"),  # 1 → 2, 1.20
        ("US", "+33612345678", "61", 1_220_000, "first minute indivisible"),  # 2 → 1 (France)
        ("CN", CN, "30", 2_200_000, "first minute indivisible"),  # 3 → 3, 2.20
        ("DE", TN, "60", 4_600_000, "first minute indivisible"),  # 1 → 3bis, 4.60
        ("satellite", DE, "90", 6_900_000, "first minute indivisible"),  # satellite → 1, 4.60
    ],
)
def test_voice_from_abroad(tariff, visited, other, seconds, expected, rule):
    row = rate_one(tariff, visited=visited, other=other, duration=seconds)
    assert row["charge_micro_eur"] == expected
    assert rule in row["reason"]


def test_voice_from_abroad_reason_names_the_rule(tariff):
    row = rate_one(tariff, visited="US", other=DE, duration="61")
    assert row["reason"] == "from zone 2 to zone 1: 1.20 €/min, first minute indivisible, 61 s"


def test_video_from_abroad(tariff):
    assert (
        rate_one(tariff, service="video", visited="CN", other=DE, duration="60")["charge_micro_eur"]
        == 2_200_000
    )


@pytest.mark.parametrize(
    ("service", "visited", "other", "expected"),
    [
        ("sms", "CH", DE, 130_000),
        ("sms", "DE", CN, 300_000),
        ("sms", "US", DE, 300_000),
        ("sms", "TN", DE, 800_000),
        ("mms", "CH", DE, 700_000),
        ("mms", "DE", US, 1_100_000),
        ("mms", "satellite", DE, 1_100_000),
    ],
)
def test_messages_from_abroad(tariff, service, visited, other, expected):
    assert (
        rate_one(tariff, service=service, visited=visited, other=other, duration=None)[
            "charge_micro_eur"
        ]
        == expected
    )


@pytest.mark.parametrize(
    ("service", "visited", "seconds", "expected"),
    [
        ("voice", "DE", "300", 0),  # gratuit (2)
        ("voice", "CH", "30", 65_000),  # 0.13 €/min**, per second
        ("voice", "US", "61", 610_000),  # 0.60, first minute indivisible
        ("voice", "CN", "20", 1_000_000),  # 1 €/min
        ("video", "TN", "60", 2_200_000),  # 2.20: received "Appels" are voice and video
        ("voice", "satellite", "60", 2_200_000),
        ("sms", "CN", None, 0),  # SMS reception free
        ("mms", "DE", None, 0),
        ("mms", "CH", None, 700_000),
        ("mms", "US", None, 840_000),
    ],
)
def test_received_abroad(tariff, service, visited, seconds, expected):
    row = rate_one(
        tariff, service=service, direction="in", visited=visited, other=DE, duration=seconds
    )
    assert row["charge_micro_eur"] == expected


@pytest.mark.parametrize(
    ("visited", "volume", "expected"),
    [
        ("US", "1500", 30_078),  # 2 started Ko × 15.40 €/Mo / 1024 = 30,078.125 µ€
        ("CN", "1", 15_039),  # 1 started Ko
        ("CH", "1048576", 700_000),  # 1 Mo exactly at 0.70 €/Mo
        ("satellite", "2048", 30_078),
    ],
)
def test_data_abroad_outside_the_roaming_zone(tariff, visited, volume, expected):
    row = rate_one(
        tariff, service="data", visited=visited, other=None, duration=None, volume=volume
    )
    assert row["charge_micro_eur"] == expected


def test_received_in_france_and_sms_to_french_numbers_are_included(tariff):
    for fields in (
        {"direction": "in", "other": CN, "duration": "600"},
        {"service": "sms", "other": "+33612345678", "duration": None},
        {"service": "mms", "other": "+262692123456", "duration": None},  # Réunion: French number
        {"other": "0590123456", "duration": "120"},  # Guadeloupe, national form
    ):
        row = rate_one(tariff, **fields)
        assert (row["charge_micro_eur"], row["included"]) == (0, True), fields


def test_zone_1_to_zone_1_and_france_from_zone_1_are_included(tariff):
    row = rate_one(tariff, visited="ES", other="+33612345678", duration="600")
    assert (row["charge_micro_eur"], row["reason"]) == (
        0,
        "included: voice from zone 1 to zone 1, 600 s",
    )
    assert (
        rate_one(tariff, visited="GP", other=DE, service="sms", duration=None)["charge_micro_eur"]
        == 0
    )
