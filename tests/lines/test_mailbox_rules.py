import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from guichet.lines.mailbox_rules import (
    LOCAL_PART_MAX_LENGTH,
    LOCAL_PART_MIN_LENGTH,
    RESERVED_LOCAL_PARTS,
    normalize_local_part,
)

valid_local_parts = st.from_regex(r"[a-z][a-z0-9]{0,8}([._-][a-z0-9]{1,8}){0,3}", fullmatch=True)


# The machine is shared by parallel test runs: a slow draw is the machine's, not the rule's.
@settings(suppress_health_check=[HealthCheck.too_slow])
@given(valid_local_parts)
def test_a_valid_local_part_is_kept_lower_case_or_refused_only_for_length_or_reservation(raw):
    upper = f"  {raw.upper()} "
    if (
        raw in RESERVED_LOCAL_PARTS
        or not LOCAL_PART_MIN_LENGTH <= len(raw) <= LOCAL_PART_MAX_LENGTH
    ):
        with pytest.raises(ValueError):
            normalize_local_part(upper)
    else:
        assert normalize_local_part(upper) == raw


@given(st.text(max_size=60))
def test_whatever_is_accepted_is_a_well_formed_local_part(raw):
    try:
        local_part = normalize_local_part(raw)
    except ValueError:
        return
    assert local_part == local_part.strip().lower()
    assert LOCAL_PART_MIN_LENGTH <= len(local_part) <= LOCAL_PART_MAX_LENGTH
    assert local_part[0].isalpha() and local_part[-1] not in "._-"
    assert "@" not in local_part and ".." not in local_part
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789._-" for c in local_part)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("hugo@gmail.com", "partie avant « @ »"),
        ("ab", "de 3 à 40 caractères"),
        ("1hugo", "commence par une lettre"),
        ("hugo..l", "isolés"),
        ("hugo.", "isolés"),
        ("héloïse", "sans accent"),
        ("postmaster", "réservée"),
    ],
)
def test_refusals_name_the_rule(raw, message):
    with pytest.raises(ValueError, match=message):
        normalize_local_part(raw)
