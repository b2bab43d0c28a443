"""The personas' purchases on the bill and VOD, recorded through the usage services as the
merchant and TV platforms would report them: Camille pays a streaming service and bought a
game; Hugo has a news subscription on his mobile, apps and films on his box."""

from datetime import datetime, timedelta

from guichet.catalog.models import Market
from guichet.lines.models import Line
from guichet.lines.selectors import lines_for_billing_account
from guichet.usage.services import (
    carrier_billing_purchase_record,
    carrier_billing_subscription_start,
    vod_purchase_record,
)


def home_usage_demo_create(*, lines: dict[str, Line], now: datetime) -> None:
    """`lines`: each persona's mobile line by email (Hugo's box is on the same account)."""
    camille = lines.get("camille@demo.guichet.fr")
    hugo = lines.get("hugo@demo.guichet.fr")
    box_line = None
    if hugo is not None:
        box_line = next(
            (
                line
                for line in lines_for_billing_account(billing_account=hugo.billing_account)
                if line.market == Market.FIXED
            ),
            None,
        )
    if camille is not None:
        carrier_billing_subscription_start(
            line=camille,
            merchant="Mélodia",
            service="Mélodia Premium (musique)",
            monthly_price_cents=499,
            now=now - timedelta(days=75),
        )
        carrier_billing_purchase_record(
            line=camille,
            merchant="Jeux Express",
            service="Pack de 500 gemmes",
            amount_cents=299,
            now=now - timedelta(days=12),
        )
    if hugo is not None:
        carrier_billing_subscription_start(
            line=hugo,
            merchant="Le Quotidien",
            service="Le Quotidien numérique",
            monthly_price_cents=799,
            now=now - timedelta(days=40),
        )
        carrier_billing_purchase_record(
            line=hugo,
            merchant="Parking Facile",
            service="Stationnement 2 h",
            amount_cents=350,
            now=now - timedelta(days=3),
        )
    if box_line is not None:
        for days, title, kind, cents in (
            (2, "Le Grand Voyage", "rental", 499),
            (9, "Les Montagnes", "rental", 399),
            (38, "Chroniques du Sud (saison 1)", "purchase", 1499),
            (70, "La Dernière Séance", "rental", 299),
        ):
            vod_purchase_record(
                line=box_line,
                title=title,
                kind=kind,
                amount_cents=cents,
                now=now - timedelta(days=days),
            )
        carrier_billing_purchase_record(
            line=box_line,
            merchant="Ciné Club",
            service="Pass cinéma 48 h",
            amount_cents=690,
            now=now - timedelta(days=5),
        )
