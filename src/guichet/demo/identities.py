"""Deterministic, realistic French identities for generated demo customers (no database)."""

import random
from dataclasses import dataclass
from datetime import date, timedelta

from faker import Faker

# Real communes with their postcode, so that generated addresses pass postcode checks and look
# like what an operator's customers would type.
COMMUNES: tuple[tuple[str, str], ...] = (
    ("75011", "Paris"),
    ("75015", "Paris"),
    ("75018", "Paris"),
    ("13001", "Marseille"),
    ("13008", "Marseille"),
    ("69003", "Lyon"),
    ("69007", "Lyon"),
    ("31000", "Toulouse"),
    ("06000", "Nice"),
    ("44000", "Nantes"),
    ("67000", "Strasbourg"),
    ("34000", "Montpellier"),
    ("33000", "Bordeaux"),
    ("59000", "Lille"),
    ("35000", "Rennes"),
    ("51100", "Reims"),
    ("76600", "Le Havre"),
    ("42000", "Saint-Étienne"),
    ("83000", "Toulon"),
    ("38000", "Grenoble"),
    ("21000", "Dijon"),
    ("49000", "Angers"),
    ("30000", "Nîmes"),
    ("63000", "Clermont-Ferrand"),
    ("72000", "Le Mans"),
    ("29200", "Brest"),
    ("37000", "Tours"),
    ("80000", "Amiens"),
    ("87000", "Limoges"),
    ("74000", "Annecy"),
    ("92100", "Boulogne-Billancourt"),
    ("93200", "Saint-Denis"),
    ("57000", "Metz"),
    ("25000", "Besançon"),
    ("45000", "Orléans"),
    ("68100", "Mulhouse"),
    ("14000", "Caen"),
    ("54000", "Nancy"),
    ("64000", "Pau"),
    ("17000", "La Rochelle"),
)


MAX_SENIORITY_YEARS = 5


@dataclass(frozen=True)
class Identity:
    civility: str  # "mme" or "m"
    first_name: str
    last_name: str
    birth_date: date
    street: str
    postcode: str
    city: str

    def email(self, serial: int) -> str:
        local = f"{self.first_name}.{self.last_name}".lower()
        ascii_local = "".join(_ascii(ch) for ch in local if ch.isalnum() or ch in ".-")
        return f"{ascii_local}.{serial}@demo.guichet.fr"


def generate_identities(*, count: int, seed: int, today: date) -> list[Identity]:
    """The same `count`, `seed` and `today` always give the same identities."""
    rng = random.Random(seed)
    faker = Faker("fr_FR")
    faker.seed_instance(seed)
    return [_identity(rng, faker, today) for _ in range(count)]


def _identity(rng: random.Random, faker: Faker, today: date) -> Identity:
    female = rng.random() < 0.5
    postcode, city = rng.choice(COMMUNES)
    # Generated customers joined up to MAX_SENIORITY_YEARS ago and were adults then (CGS 3.1).
    age_days = rng.randint((18 + MAX_SENIORITY_YEARS) * 365 + 10, 85 * 365)
    return Identity(
        civility="mme" if female else "m",
        first_name=faker.first_name_female() if female else faker.first_name_male(),
        last_name=faker.last_name(),
        birth_date=today - timedelta(days=age_days),
        street=faker.street_address(),
        postcode=postcode,
        city=city,
    )


_ACCENTS = str.maketrans("àâäçéèêëîïôöùûüÿœæ", "aaaceeeeiioouuuyoa")


def _ascii(ch: str) -> str:
    return ch.translate(_ACCENTS)
