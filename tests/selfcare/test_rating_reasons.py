"""The rating reasons said in French for the Conso page: one case per template of rating
(rating/engine.py `_reason`, `_allowance_reason`; rating/allowances.py `_coverage`;
rating/tariff.py `_rate_frame`, `_surcharge_text`), and every reason the engine writes for a
varied batch read. No database."""

from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest

from guichet.catalog.schema import load_catalog
from guichet.rating import SUBSCRIPTIONS_SCHEMA, rate_usage, tariff_for_plan
from guichet.selfcare.rating_reasons import reason_in_french
from tests.rating.conftest import LINE, frame, record

DATA = Path(__file__).resolve().parents[2] / "src" / "guichet" / "catalog" / "data"
FIXES_85 = "appels-fixes-85-destinations"
SUISSE_3H = "Option Suisse 3h d'appels + 300 SMS + 300 Mo"
FIXES_85_NAME = "Appels illimités vers les fixes de 85 destinations"
RESTORE = "Rétablissement du débit Web — Forfait Woot 100 Go"

CASES = [
    # rating/tariff.py `_rate_frame`, the last template of `_reason`: a rate and the seconds.
    pytest.param(
        "from France to zone 2: 0.60 €/min, first minute indivisible, 75 s",
        "depuis la France vers la zone 2 : 0,60 €/min, première minute indivisible, 75 s",
        id="rate from France",
    ),
    pytest.param(
        "from zone 1 to zone 1: 0.0264 €/min, first 30 s indivisible, 90 s",
        "depuis la zone 1 vers la zone 1 : 0,0264 €/min, 30 premières secondes indivisibles, 90 s",
        id="rate from abroad",
    ),
    pytest.param(
        "received in zone 1: 0.0048 €/min, per second, 90 s",
        "reçu en zone 1 : 0,0048 €/min, à la seconde, 90 s",
        id="rate received abroad",
    ),
    pytest.param(
        "from France to réseaux satellitaires: 3.50 €/min, first minute indivisible, 75 s",
        "depuis la France vers les réseaux satellitaires : 3,50 €/min, première minute"
        " indivisible, 75 s",
        id="rate to the satellite networks",
    ),
    pytest.param(
        "from zone 2 to zone 1 bis: 0.50 €/recipient",
        "depuis la zone 2 vers la zone 1 bis : 0,50 €/destinataire",
        id="rate of a message",
    ),
    # `_reason`: data charged at a rate.
    pytest.param(
        "data in zone 2: 15.40 €/Mo, 300 Ko",
        "données en zone 2 : 15,40 €/Mo, 300 Ko",
        id="data at a rate",
    ),
    pytest.param("free number: Numéros d'urgence", "numéro gratuit : Numéros d'urgence", id="free"),
    pytest.param(
        "non-occasional traveller (fair use): from zone 1 to zone 1: 0.0264 €/min, "
        "first 30 s indivisible, 90 s",
        "voyageur non occasionnel (usage raisonnable) : depuis la zone 1 vers la zone 1 :"
        " 0,0264 €/min, 30 premières secondes indivisibles, 90 s",
        id="non-occasional call",
    ),
    pytest.param(
        "non-occasional traveller (fair use): data in zone 1: 0.00216 €/Mo, 2048 Ko",
        "voyageur non occasionnel (usage raisonnable) : données en zone 1 : 0,00216 €/Mo, 2048 Ko",
        id="non-occasional data",
    ),
    pytest.param(
        "data in France: 10 Ko included, 10 Ko beyond the allowance: "
        "throttled to 64 kb/s, not charged",
        "données en France : 10 Ko inclus, 10 Ko au-delà de l'enveloppe : débit réduit à"
        " 64 kb/s, non facturé",
        id="data throttled in France",
    ),
    pytest.param(
        "data in France: 667474 Ko included",
        "données en France : 667474 Ko inclus",
        id="data in France",
    ),
    pytest.param(
        "data in zone 1: 1024 Ko included, 1024 Ko beyond the roaming allowance; "
        "data in zone 1: 0.00216 €/Mo",
        "données en zone 1 : 1024 Ko inclus, 1024 Ko au-delà de l'enveloppe en itinérance ;"
        " données en zone 1 : 0,00216 €/Mo",
        id="data beyond the roaming allowance",
    ),
    pytest.param(
        "data in zone 1: 655553 Ko included",
        "données en zone 1 : 655553 Ko inclus",
        id="data in a roaming zone",
    ),
    # `_reason` and `_call_cases`: what the plan includes.
    pytest.param(
        "included: voice received in France, 40 s",
        "inclus : appel reçu en France, 40 s",
        id="included received",
    ),
    pytest.param(
        "included: sms received in France", "inclus : SMS reçu en France", id="included SMS in"
    ),
    pytest.param(
        "included: video in France to a French number, 6 s",
        "inclus : appel visio en France vers un numéro français, 6 s",
        id="included in France",
    ),
    pytest.param(
        "included: mms in France to a French number",
        "inclus : MMS en France vers un numéro français",
        id="included MMS in France",
    ),
    pytest.param(
        "included: voice in France to a French number, 11400 s; 600 s beyond 10800 s per call"
        " (CGS 6.2): from France to zone 1: 0.228 €/min, first minute indivisible",
        "inclus : appel en France vers un numéro français, 11400 s ; 600 s au-delà de 10800 s"
        " par appel (CGS 6.2) : depuis la France vers la zone 1 : 0,228 €/min, première minute"
        " indivisible",
        id="included in France beyond the cap",
    ),
    pytest.param(
        "included: sms from zone 1 to zone 1",
        "inclus : SMS depuis la zone 1 vers la zone 1",
        id="included abroad",
    ),
    pytest.param(
        "included: voice from zone 1 to France, 67 s",
        "inclus : appel depuis la zone 1 vers la France, 67 s",
        id="included call abroad",
    ),
    pytest.param(
        "included: voice from zone 1 to zone 1, 11400 s; 600 s beyond 10800 s per call"
        " (CGS 6.2): from zone 1 to zone 1: 0.0264 €/min, first 30 s indivisible",
        "inclus : appel depuis la zone 1 vers la zone 1, 11400 s ; 600 s au-delà de 10800 s"
        " par appel (CGS 6.2) : depuis la zone 1 vers la zone 1 : 0,0264 €/min, 30 premières"
        " secondes indivisibles",
        id="included abroad beyond the cap",
    ),
    # `_allowance_reason` with rating/allowances.py `_coverage`: options and top-ups.
    pytest.param(
        f"option {FIXES_85_NAME}: 10800 s of unlimited (at most 10800 s per call); 1200 s beyond:"
        " from France to zone 1: 0.228 €/min, first minute indivisible",
        f"option {FIXES_85_NAME} : 10800 s en illimité (au plus 10800 s par appel) ; 1200 s"
        " au-delà : depuis la France vers la zone 1 : 0,228 €/min, première minute indivisible",
        id="option unlimited within a cap per call",
    ),
    pytest.param(
        f"option {FIXES_85_NAME}: 60 s of unlimited",
        f"option {FIXES_85_NAME} : 60 s en illimité",
        id="option unlimited",
    ),
    pytest.param(
        f"option {FIXES_85_NAME}: recipient beyond the 99 of the month; 60 s beyond: from France"
        " to zone 1: 0.228 €/min, first minute indivisible",
        f"option {FIXES_85_NAME} : destinataire au-delà des 99 du mois ; 60 s au-delà : depuis"
        " la France vers la zone 1 : 0,228 €/min, première minute indivisible",
        id="option recipient beyond its number",
    ),
    pytest.param(
        f"option {SUISSE_3H}: 102400 Ko included, 0 Ko left; 51200 Ko beyond: data in zone 1 bis:"
        " 0.70 €/Mo",
        f"option {SUISSE_3H} : 102400 Ko inclus, 0 Ko restants ; 51200 Ko au-delà : données en"
        " zone 1 bis : 0,70 €/Mo",
        id="option allowance then data beyond",
    ),
    pytest.param(
        f"option {SUISSE_3H}: 300 SMS included, 0 SMS left; beyond: from zone 1 bis to zone 1:"
        " 0.25 €/recipient",
        f"option {SUISSE_3H} : 300 SMS inclus, 0 SMS restants ; au-delà : depuis la zone 1 bis"
        " vers la zone 1 : 0,25 €/destinataire",
        id="option messages then a message beyond",
    ),
    pytest.param(
        f"data in France: 5 Ko included; top-up {RESTORE}: 5 Ko included, 0 Ko left; 10 Ko beyond:"
        " throttled to 64 kb/s, not charged",
        f"données en France : 5 Ko inclus ; recharge {RESTORE} : 5 Ko inclus, 0 Ko restants ;"
        " 10 Ko au-delà : débit réduit à 64 kb/s, non facturé",
        id="plan then top-up then throttled",
    ),
    pytest.param(
        f"data in zone 1: 7 Ko included; option {SUISSE_3H}: 3 Ko included, 9 Ko left; top-up"
        f" {RESTORE}: 1 Ko included, 2 Ko left",
        f"données en zone 1 : 7 Ko inclus ; option {SUISSE_3H} : 3 Ko inclus, 9 Ko restants ;"
        f" recharge {RESTORE} : 1 Ko inclus, 2 Ko restants",
        id="plan abroad then two products",
    ),
    # rating/tariff.py `_surcharge_text`, after any template.
    pytest.param(
        "from zone 2 to zone 1: 1.20 €/min, first minute indivisible, 90 s; "
        "+ surcharge Sonneries au 766: 1.35 € per call + 0.34 €/min, per second",
        "depuis la zone 2 vers la zone 1 : 1,20 €/min, première minute indivisible, 90 s ;"
        " + supplément Sonneries au 766 : 1,35 € par appel + 0,34 €/min, à la seconde",
        id="surcharge per call and per minute",
    ),
    pytest.param(
        "included: voice in France to a French number, 90 s; "
        "+ surcharge Répondeur au 737: 1.34 € per call",
        "inclus : appel en France vers un numéro français, 90 s ; + supplément Répondeur au"
        " 737 : 1,34 € par appel",
        id="surcharge per call",
    ),
    pytest.param(
        "included: voice in France to a French number, 90 s; "
        "+ surcharge Horoscope au 467: 0.34 €/min, per second",
        "inclus : appel en France vers un numéro français, 90 s ; + supplément Horoscope au"
        " 467 : 0,34 €/min, à la seconde",
        id="surcharge per minute",
    ),
    pytest.param(
        "included: voice in France to a French number, 90 s; + surcharge Jeux",
        "inclus : appel en France vers un numéro français, 90 s ; + supplément Jeux",
        id="surcharge by name",
    ),
]


@pytest.mark.parametrize(("english", "french"), CASES)
def test_each_template_is_said_in_french(english, french):
    assert reason_in_french(english) == french


@pytest.mark.parametrize(
    "english",
    [
        "unknown line '+33622222222'",
        "from France to zone 2: 0.60 €/s, 75 s",  # a unit no rate has
        "from France to zone 2: 0.60 €/min, rounded up, 75 s",  # a charging rule no rate has
        "option Double Appel: 3 calls included",  # an option's text no template writes
        "included: fax in France to a French number",
        "from zone 2 to zone 1: 1.20 €/min, per second; + surcharge Jeux: 1 € per SMS",
        "",
    ],
)
def test_a_text_no_template_reads_is_not_said(english):
    assert reason_in_french(english) is None


def test_every_reason_the_engine_writes_for_a_varied_batch_is_read():
    tariff = tariff_for_plan(load_catalog(DATA), "woot-100go")
    berlin, new_york, beijing, inmarsat = (
        "+4930123456",
        "+12125551234",
        "+8613812345678",
        "+870773111111",
    )
    rows = [
        record("fr-fr", duration="60"),
        record("fr-fr-long", duration=str(3 * 3600 + 600)),
        record("fr-in", direction="in", duration="40"),
        record("fr-video", service="video", duration="30"),
        record("fr-sms", service="sms", duration=None),
        record("fr-mms-in", service="mms", direction="in", duration=None),
        record("fr-berlin", other=berlin, duration="75"),
        record("fr-beijing", other=beijing, duration="75"),
        record("fr-satellite", other=inmarsat, duration="75"),
        record("fr-766", other="766", duration="90"),
        record("fr-737", other="737", duration="90"),
        record("fr-467", other="467", duration="90"),
        record("fr-15", other="15", duration="90"),
        record("es-fr", visited="ES", duration="67"),
        record("es-long", visited="ES", duration=str(3 * 3600 + 600)),
        record("es-sms", visited="ES", service="sms", duration=None),
        record("us-fr", visited="US", duration="61"),
        record("us-in", visited="US", direction="in", duration="31"),
        record("us-766", visited="US", other="766", duration="90"),
        record("us-sms", visited="US", service="sms", other=new_york, duration=None),
        record("fr-data", service="data", other=None, duration=None, volume="1048576"),
        record("es-data", visited="ES", service="data", other=None, duration=None, volume="4096"),
        record("us-data", visited="US", service="data", other=None, duration=None, volume="307200"),
        record("ch-data", visited="CH", service="data", other=None, duration=None, volume="4096"),
        record("fr-berlin-option", other=berlin, duration=str(200 * 60)),
    ]
    subscriptions = pl.DataFrame(
        [
            {
                "line": LINE,
                "product_code": FIXES_85,
                "active_from": datetime(2026, 11, 1, tzinfo=UTC),
                "active_until": None,
            }
        ],
        schema=SUBSCRIPTIONS_SCHEMA,
    )
    for subscribed in (None, subscriptions):
        result = rate_usage(frame(rows), tariff=tariff, subscriptions=subscribed)
        rated = result.records.filter(pl.col("status") == "rated")
        assert rated.height == len(rows)
        for reason in rated.get_column("reason").to_list():
            assert reason_in_french(reason) is not None, reason
