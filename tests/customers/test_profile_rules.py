from hypothesis import given
from hypothesis import strategies as st

from guichet.customers.profile_rules import ProfileFacts, ProfileGap, profile_completion

facts = st.builds(
    ProfileFacts,
    has_billing_address=st.booleans(),
    has_postal_address=st.booleans(),
    has_birth_place=st.booleans(),
    has_household_size=st.booleans(),
    has_preferred_contact_time=st.booleans(),
    made_directory_choice=st.booleans(),
)


@given(facts)
def test_each_missing_fact_is_one_gap_and_the_count_adds_up(profile):
    completion = profile_completion(profile)

    absent = [name for name, present in vars(profile).items() if not present]
    assert len(completion.missing) == len(absent)
    assert completion.done + len(completion.missing) == completion.total == len(ProfileGap)
    assert list(completion.missing) == sorted(completion.missing, key=list(ProfileGap).index)
    assert (completion.percent == 100) == (not completion.missing)
    assert 0 <= completion.percent <= 100


def test_an_empty_profile_lists_everything_in_the_page_order():
    completion = profile_completion(ProfileFacts(False, False, False, False, False, False))

    assert completion.missing == tuple(ProfileGap)
    assert completion.percent == 0


def test_billing_address_only():
    completion = profile_completion(ProfileFacts(True, False, False, False, False, False))

    assert ProfileGap.BILLING_ADDRESS not in completion.missing
    assert (completion.done, completion.percent) == (1, 16)
