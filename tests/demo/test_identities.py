from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from guichet.customers.rules import age_on, normalize_email, normalize_postcode
from guichet.demo.identities import MAX_SENIORITY_YEARS, generate_identities


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32), today=st.dates(date(2024, 1, 1)))
def test_generated_customers_were_adults_when_they_joined(seed, today):
    earliest_join = today - timedelta(days=MAX_SENIORITY_YEARS * 365)

    for identity in generate_identities(count=50, seed=seed, today=today):
        assert age_on(identity.birth_date, earliest_join) >= 18


def test_identities_are_deterministic_and_valid():
    first = generate_identities(count=40, seed=11, today=date(2026, 11, 23))
    again = generate_identities(count=40, seed=11, today=date(2026, 11, 23))

    assert first == again
    assert first != generate_identities(count=40, seed=12, today=date(2026, 11, 23))
    for serial, identity in enumerate(first, start=1):
        assert normalize_postcode(identity.postcode, country="FR") == identity.postcode
        assert normalize_email(identity.email(serial)) == identity.email(serial)
