import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.catalog.conftest import DATA_DIR, Edit

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("catalog", *args, stdout=out)
    return out.getvalue()


def test_load_then_load_again():
    assert run("load", "--dir", str(DATA_DIR)) == (
        f"Catalogue chargé : version 2022-12-08.2 depuis {DATA_DIR} "
        "(34 produits, 6 zones, 193 tarifs).\n"
    )
    assert run("load") == "Catalogue déjà à jour : version 2022-12-08.2, rien à changer.\n"


def test_load_names_what_is_wrong(data_copy: Path, edit: Edit):
    edit("options.toml", 'price_eur = "3.49"', "price_eur = 3.49")
    with pytest.raises(CommandError) as refused:
        run("load", "--dir", str(data_copy))
    assert str(refused.value).startswith(
        "The catalog data files are invalid\n"
        "  - options.toml: option[9] 'digital-coach': price_eur: Value error, write amounts as "
        'a quoted decimal string, e.g. "3.49"'
    )


def test_show_on_an_empty_database_says_to_load():
    with pytest.raises(CommandError) as refused:
        run("show")
    assert "lancez `guichet catalog load`" in str(refused.value)


def test_show_prints_the_whole_catalog_in_french():
    run("load")
    text = run("show")
    for expected in (
        "Catalogue Offres Particuliers NRJ Mobile Web — décembre 2022 — version 2022-12-08.2",
        "12,99 €/mois, soit 17,99 € - 5,00 € de remise ; frais d'activation (Carte SIM) : 10,00 €",
        "Zone 3 — Reste du monde (code 3, 205 pays)",
        "GB Royaume-Uni",
        "Indicatifs : +870, +881, +88216",
        "France → zone 3 : 1,50 €/min — 1re minute indivisible puis à la seconde",
        "zone 1 → zone 1 : 0,0264 €/min — 30 premières secondes indivisibles (*) puis à la seconde",
        "dans zone 1 bis : 0,13 €/min — à la seconde dès la 1re seconde (**)",
        "dans zone 1 : 0,0048 €/min — à la seconde dès la 1re seconde (**) — voyageurs non "
        "occasionnels",
        "dans zone 2 : 15,40 €/Mo",
        "Interprétation : Cellule vide lue comme fusionnée à gauche (1,20 €).",
        "Durée maximale d'un appel : 180 min",
        "Destinataires différents par mois : 99 au plus",
        "Prix : 3,00 €/mois, premier mois offert ; forfaits : woot-100go",
        "Prix : 29,99 € ; validité : 14 jours à compter de l'activation",
        "Espace Client : gratuit la première fois, puis 10,00 €",
        "Dépôt de garantie : 500,00 €",
        "Service Client depuis le mobile (service-client-mobile) : 200, 675200",
        "Nouveau client, tant que moins de 3 factures ont été émises : seuil de 30,00 €",
        "Ensuite : 1,5 fois la moyenne des 3 dernières factures",
        "Après un incident de paiement : 15,00 € pendant 6 mois",
        "Portage : 3 jours ouvrables (CGS 10 : « possible en trois jours ouvrables »)",
        "force-majeure : Force majeure au sens de la jurisprudence de la Cour de cassation. "
        "(facturation arrêtée)",
        "SMS : 160 caractères, 70 avec caractères spéciaux ; signalement de spam au 33700",
        "Bbox Fibre (exemple) (bbox-fibre-exemple) — EXEMPLE, hors brochure",
        "Woot 20 Go (exemple) (woot-20go-exemple) — EXEMPLE, hors brochure",
        "Source : Options et recharges §2, Les options appels vers l'international",
    ):
        assert expected in text, expected


def test_show_json_holds_the_catalog_and_what_is_computed():
    run("load")
    document = json.loads(run("show", "--format", "json"))
    assert document["release"]["version"] == "2022-12-08.2"
    assert document["catalog"]["plans"][0]["price_eur"] == "12.99"
    assert len(document["computed"]["zones"]["3"]) == 205
    assert len(document["computed"]["rates"]) == 193
    voice_to_zone_3 = next(
        rate
        for rate in document["computed"]["rates"]
        if (rate["direction"], rate["service"], rate["destination"])
        == ("from_france", "voice", "3")
    )
    assert voice_to_zone_3["price_micro_eur"] == 1_500_000
    products = {p["code"]: p["price_cents"] for p in document["computed"]["products"]}
    assert (products["woot-100go"], products["digital-coach"]) == (1299, 349)
