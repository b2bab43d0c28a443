"""Pure rules of devices: the data files, insurance bands, refund offers, unit IMEIs, and the
diagnostic tree."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.devices import diagnostic, rules
from guichet.lines.rules import luhn_valid


def test_the_catalogue_has_new_and_refurbished_phones_with_a_grade():
    catalogue = rules.device_catalogue()

    assert {device.condition for device in catalogue} == {"new", "refurbished"}
    assert all(bool(device.grade) == (device.condition == "refurbished") for device in catalogue)
    assert rules.device_by_sku("SAM-A55-128-N").label == "Samsung Galaxy A55 5G 128 Go (neuf)"
    assert rules.device_by_sku("APL-IP13-128-R-B").label == (
        "Apple iPhone 13 128 Go (reconditionné grade B)"
    )
    assert rules.device_by_sku("nope") is None


@pytest.mark.parametrize(
    ("price_cents", "monthly_cents"),
    [
        (0, 699),
        (30000, 699),
        (30001, 999),
        (60000, 999),
        (60001, 1399),
        (100000, 1399),
        (100001, 1799),
        (250000, 1799),
    ],
)
def test_a_price_on_a_ceiling_belongs_to_the_lower_band(price_cents, monthly_cents):
    assert rules.insurance_band(price_cents).monthly_price_cents == monthly_cents


@given(
    st.integers(min_value=0, max_value=10_000_000), st.integers(min_value=0, max_value=10_000_000)
)
def test_a_dearer_phone_never_costs_less_to_insure(price, other):
    low, high = sorted((price, other))

    assert (
        rules.insurance_band(low).monthly_price_cents
        <= rules.insurance_band(high).monthly_price_cents
    )
    band = rules.insurance_band(price)
    assert band.max_price_cents is None or price <= band.max_price_cents


def test_a_negative_price_has_no_band():
    with pytest.raises(ValueError):
        rules.insurance_band(-1)


@given(st.text(alphabet="0123456789", min_size=8, max_size=8), st.integers(0, 999_999))
def test_a_unit_imei_is_fifteen_digits_with_a_valid_luhn_key(tac, serial):
    imei = rules.unit_imei(tac, serial)

    assert len(imei) == 15 and imei.startswith(tac)
    assert luhn_valid(imei)


def test_a_device_refund_offer_needs_its_model_and_a_claim_in_time():
    offer = next(o for o in rules.refund_offers() if o.code == "ODR-S24-100")
    bought = date(2026, 11, 1)

    assert rules.refund_offer_applies(
        offer, sku="SAM-S24-256-N", offer_code=None, purchased_on=bought, today=bought
    )
    assert not rules.refund_offer_applies(
        offer, sku="SAM-A55-128-N", offer_code=None, purchased_on=bought, today=bought
    )
    late = bought + timedelta(days=offer.claim_days + 1)
    assert not rules.refund_offer_applies(
        offer, sku="SAM-S24-256-N", offer_code=None, purchased_on=bought, today=late
    )
    last_day = bought + timedelta(days=offer.claim_days)
    assert rules.refund_offer_applies(
        offer, sku="SAM-S24-256-N", offer_code=None, purchased_on=bought, today=last_day
    )


def _paths(kind, node_id="root", prefix=()):
    node = diagnostic.TREES[kind][node_id]
    if node.is_result:
        yield prefix, node
    for answer in node.answers:
        yield from _paths(kind, answer.goes_to, (*prefix, answer.key))


@pytest.mark.parametrize("kind", list(diagnostic.Kind))
def test_every_answer_leads_to_a_node_and_every_walk_ends_in_a_result(kind):
    tree = diagnostic.TREES[kind]
    reached = {"root"}
    for node in tree.values():
        for answer in node.answers:
            assert answer.goes_to in tree
            reached.add(answer.goes_to)
    assert reached == set(tree)  # no orphan node
    results = list(_paths(kind))
    assert results and all(node.is_result for _, node in results)


@given(st.data())
def test_a_walk_of_offered_answers_reaches_the_node_they_lead_to(data):
    kind = data.draw(st.sampled_from(list(diagnostic.Kind)))
    tree, node, path = diagnostic.TREES[kind], diagnostic.TREES[kind]["root"], []
    while not node.is_result:
        answer = data.draw(st.sampled_from(node.answers))
        path.append(answer.key)
        node = tree[answer.goes_to]

    reached, passed = diagnostic.walk(kind, tuple(path))

    assert reached == node and len(passed) == len(path)


def test_a_forged_answer_is_refused():
    with pytest.raises(KeyError):
        diagnostic.walk(diagnostic.Kind.MOBILE, ("no-service", "made-up"))


def test_no_network_and_no_incident_and_a_dead_sim_leads_to_a_replacement_sim():
    node, _ = diagnostic.walk(
        diagnostic.Kind.MOBILE, ("no-service", "no-incident", "still", "fails")
    )
    assert node.next_page == "sim_replacement"
