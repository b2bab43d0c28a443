"""WPA2 keys and network names of a box (pure rules)."""

from hypothesis import given
from hypothesis import strategies as st

from guichet.lines.wifi_rules import (
    FACTORY_KEY_LENGTH,
    box_factory_wifi,
    network_name_problem,
    wifi_key_problem,
)

PRINTABLE_ASCII = st.characters(min_codepoint=32, max_codepoint=126)


@given(st.text(alphabet=PRINTABLE_ASCII, min_size=8, max_size=63))
def test_every_printable_ascii_key_of_8_to_63_characters_is_accepted(key):
    assert wifi_key_problem(key) is None


@given(st.text(alphabet=PRINTABLE_ASCII, max_size=200).filter(lambda key: not 8 <= len(key) <= 63))
def test_a_key_of_another_length_is_refused_with_its_length(key):
    assert f"(elle en fait {len(key)})" in wifi_key_problem(key)


@given(
    st.text(alphabet=PRINTABLE_ASCII, min_size=4, max_size=30),
    st.characters(blacklist_categories=["Cs"]).filter(lambda c: not 32 <= ord(c) <= 126),
)
def test_a_key_with_a_character_outside_printable_ascii_is_refused(key, wrong):
    problem = wifi_key_problem(key + wrong + key)

    assert problem is not None


def test_network_names():
    assert network_name_problem("Maison") is None
    assert network_name_problem("") == "Indiquez un nom de réseau Wi-Fi."
    assert "espace" in network_name_problem(" Maison")
    assert "32 octets" in network_name_problem("é" * 17)  # 34 octets in UTF-8
    assert network_name_problem("é" * 16) is None


@given(st.text(alphabet="ABCDEFGHIJ0123456789-", min_size=6, max_size=30))
def test_factory_settings_are_stable_valid_and_secret_dependent(reference):
    name, key = box_factory_wifi(access_reference=reference, secret="one")

    assert (name, key) == box_factory_wifi(access_reference=reference, secret="one")
    assert network_name_problem(name) is None and wifi_key_problem(key) is None
    assert len(key) == FACTORY_KEY_LENGTH
    assert box_factory_wifi(access_reference=reference, secret="two")[1] != key
