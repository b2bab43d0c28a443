"""The act registry: every act of the app description, well formed, each reaching its page."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import NoReverseMatch, reverse

from guichet.billing.rules import ArrearsAct
from guichet.catalog.models import Product, ProductKind
from guichet.customers.selectors import customer_get_by_login_email
from guichet.demo.services import DEMO_PASSWORD, demo_data_create
from guichet.lines.selectors import lines_for_customer
from guichet.selfcare.registry import (
    Group,
    Market,
    RegistryError,
    Scope,
    Section,
    acts_for,
    registered_acts,
    registry_parse,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=ZoneInfo("Europe/Paris"))

# The app description's tables, counted by hand (seeds/000): every act is in the registry.
ACTS_OF_THE_APP_DESCRIPTION = {
    Group.OFFER: 15,
    # "Résilier mobile" and "Résilier Bbox" of this table are the act "termination" above.
    Group.LINE: 11,
    Group.USAGE: 7,
    Group.PERSONAL_INFORMATION: 15,
    Group.PAYMENT_MEANS: 2,
    Group.PAYMENT: 3,
    Group.EMERGENCY: 7,
    Group.AFTER_SALES: 6,
}


def test_the_registry_holds_at_least_every_act_of_the_app_description():
    acts = registered_acts()
    for group, count in ACTS_OF_THE_APP_DESCRIPTION.items():
        assert sum(1 for act in acts if act.group == group) >= count, group
    assert len({act.id for act in acts}) == len(acts) >= 65


def test_every_unpaid_refusal_names_an_act_that_billing_refuses():
    for act in registered_acts():
        if act.unpaid is not None:
            assert act.unpaid in set(ArrearsAct), act.id


@pytest.mark.django_db
def test_every_fee_is_a_fee_of_the_catalog(loaded_catalog):
    fees = set(Product.objects.filter(kind=ProductKind.SERVICE_FEE).values_list("code", flat=True))
    for act in registered_acts():
        if act.fee is not None:
            assert act.fee in fees, act.id


def _resolves(act) -> bool:
    try:
        reverse(f"selfcare:{act.page}", kwargs={"line_id": 1} if act.scope == Scope.LINE else {})
    except NoReverseMatch:
        return False
    return True


def test_every_act_reaches_a_served_page():
    assert [act.id for act in registered_acts() if not _resolves(act)] == []


@pytest.fixture
def personas(loaded_catalog):
    demo_data_create(customers=0, seed=1, now=NOW)


# Hugo has a mobile line and a box line; Camille a mobile line only.
def _persona_line(client, market: str):
    hugo = customer_get_by_login_email(email="hugo@demo.guichet.fr")
    return next(line for line in lines_for_customer(customer=hugo) if line.market == market)


@pytest.mark.django_db
def test_the_walk_every_served_act_page_answers_for_a_persona_of_its_market(client, personas):
    client.post(
        reverse("selfcare:login"),
        {"username": "hugo@demo.guichet.fr", "password": DEMO_PASSWORD},
    )
    walked = 0
    for act in registered_acts():
        kwargs = {}
        if act.scope == Scope.LINE:
            market = "fixed" if act.market == Market.FIXED else "mobile"
            kwargs = {"line_id": _persona_line(client, market).pk}
        url = reverse(f"selfcare:{act.page}", kwargs=kwargs)
        response = client.get(url)
        assert response.status_code == 200, (act.id, url, response.status_code)
        walked += 1
    assert walked == len(registered_acts())


def test_a_mobile_only_customer_is_not_offered_box_acts():
    ids = {act.id for act in acts_for(markets={"mobile"})}
    assert "porting_code_mobile" in ids and "termination" in ids
    assert "box_move" not in ids and "porting_code_box" not in ids


def test_acts_of_a_section_stay_in_it():
    assert all(
        act.section == Section.INVOICES
        for act in acts_for(markets={"mobile", "fixed"}, section=Section.INVOICES)
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[act]]\nid = "x"', "act #1 (x): missing or empty field(s) group"),
        (
            '[[act]]\nid="x"\ngroup="offer"\nlabel_fr="a"\nlabel_en="a"\nmarket="tablet"\n'
            'path="p"\nsection="home"\npage="home"\nscope="account"',
            "act #1 (x): 'tablet' is not a valid Market",
        ),
        ('[[act]]\nid="x"\ncolour="red"', "act #1 (x): unknown field(s) colour"),
        ("[[act]\n", "acts registry is not valid TOML"),
    ],
)
def test_a_wrong_registry_is_refused_with_the_act_and_field_named(text, message):
    with pytest.raises(RegistryError, match=message.replace("(", r"\(").replace(")", r"\)")):
        registry_parse(text)


def test_an_act_id_used_twice_is_refused():
    one = (
        '[[act]]\nid="x"\ngroup="offer"\nlabel_fr="a"\nlabel_en="a"\nmarket="mobile"\n'
        'path="p"\nsection="home"\npage="home"\nscope="account"\n'
    )
    with pytest.raises(RegistryError, match="act x: the id is used twice"):
        registry_parse(one + one)
