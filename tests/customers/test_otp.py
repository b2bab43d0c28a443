"""The one-time codes of the second step: RFC 4226 and RFC 6238 test vectors, and properties."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.customers.otp import (
    RECOVERY_ALPHABET,
    base32_secret,
    code_hash,
    format_recovery_code,
    grouped,
    hotp,
    new_recovery_codes,
    new_sms_code,
    normalize_recovery_code,
    otpauth_uri,
    seal,
    totp,
    totp_match,
    unseal,
)
from guichet.customers.rules import is_french_phone_number

RFC4226_KEY = b"12345678901234567890"
# RFC 4226, appendix D.
RFC4226_CODES = [
    "755224",
    "287082",
    "359152",
    "969429",
    "338314",
    "254676",
    "287922",
    "162583",
    "399871",
    "520489",
]
# RFC 6238, appendix B: the seed is the ASCII digits repeated to the hash's size.
RFC6238_KEYS = {
    "SHA1": b"12345678901234567890",
    "SHA256": b"12345678901234567890123456789012",
    "SHA512": b"1234567890" * 6 + b"1234",
}
RFC6238_VECTORS = [
    (59, "94287082", "46119246", "90693936"),
    (1111111109, "07081804", "68084774", "25091201"),
    (1111111111, "14050471", "67062674", "99943326"),
    (1234567890, "89005924", "91819424", "93441116"),
    (2000000000, "69279037", "90698825", "38618901"),
    (20000000000, "65353130", "77737706", "47863826"),
]


@pytest.mark.parametrize(("counter", "code"), list(enumerate(RFC4226_CODES)))
def test_hotp_gives_the_rfc_4226_values(counter, code):
    assert hotp(RFC4226_KEY, counter) == code


@pytest.mark.parametrize(("unix_time", "sha1", "sha256", "sha512"), RFC6238_VECTORS)
def test_totp_gives_the_rfc_6238_values(unix_time, sha1, sha256, sha512):
    for algorithm, expected in (("SHA1", sha1), ("SHA256", sha256), ("SHA512", sha512)):
        assert totp(RFC6238_KEYS[algorithm], unix_time, digits=8, algorithm=algorithm) == expected


keys = st.binary(min_size=10, max_size=64)
times = st.integers(min_value=30 * 3, max_value=2**40)


@given(key=keys, unix_time=times, drift=st.integers(min_value=-30, max_value=30))
def test_a_code_matches_within_thirty_seconds_of_clock_drift(key, unix_time, drift):
    code = totp(key, unix_time + drift)

    assert totp_match(key, code, unix_time) is not None


@given(key=keys, unix_time=times)
def test_a_code_is_refused_two_steps_later(key, unix_time):
    code = totp(key, unix_time)
    step = unix_time // 30

    matched = totp_match(key, code, unix_time + 90)

    # Only a coincidence of two 6-digit codes could match: then not on the code's own step.
    assert matched != step


@given(key=keys, unix_time=times)
def test_a_code_already_accepted_is_not_accepted_again(key, unix_time):
    code = totp(key, unix_time)
    step = totp_match(key, code, unix_time)

    assert totp_match(key, code, unix_time, after_step=step) != step


@given(key=keys, unix_time=times)
def test_a_code_may_be_typed_with_spaces(key, unix_time):
    code = totp(key, unix_time)

    assert totp_match(key, f" {code[:3]} {code[3:]} ", unix_time) is not None


@given(secret=st.binary(max_size=64), key=keys)
def test_a_sealed_secret_unseals_with_its_key_only(secret, key):
    sealed = seal(secret, key=key)

    assert unseal(sealed, key=key) == secret
    with pytest.raises(ValueError, match="altered or sealed with another key"):
        unseal(sealed, key=key + b"x")


@given(secret=st.binary(min_size=1, max_size=64), key=keys, data=st.data())
def test_an_altered_sealed_secret_is_refused(secret, key, data):
    import base64

    raw = bytearray(base64.urlsafe_b64decode(seal(secret, key=key)))
    position = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
    raw[position] ^= data.draw(st.integers(min_value=1, max_value=255))

    with pytest.raises(ValueError):
        unseal(base64.urlsafe_b64encode(bytes(raw)).decode(), key=key)


def test_the_sealed_form_does_not_contain_the_secret():
    secret = b"\x00" * 20

    assert base32_secret(secret) not in seal(secret, key=b"k" * 32)
    assert seal(secret, key=b"k" * 32) != seal(secret, key=b"k" * 32)  # a new nonce each time


@given(text=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", max_size=40))
def test_grouping_keeps_the_text_in_groups_of_four(text):
    shown = grouped(text)

    assert shown.replace(" ", "") == text
    assert all(len(group) <= 4 for group in shown.split(" "))


def test_the_otpauth_uri_names_the_issuer_the_account_and_the_secret():
    uri = otpauth_uri(RFC4226_KEY, account="camille@example.fr", issuer="Guichet")

    assert uri.startswith("otpauth://totp/Guichet%3Acamille%40example.fr?")
    assert f"secret={base32_secret(RFC4226_KEY)}" in uri
    assert "issuer=Guichet" in uri and "digits=6" in uri and "period=30" in uri


@given(raw=st.text(alphabet=RECOVERY_ALPHABET, min_size=10, max_size=10))
def test_a_recovery_code_is_recognised_however_it_is_typed(raw):
    code = format_recovery_code(raw)
    typed = f"  {code.lower()} ".replace("0", "o").replace("1", "l")

    assert normalize_recovery_code(typed) == code


@given(raw=st.text(max_size=20))
def test_anything_else_is_not_a_recovery_code(raw):
    normalized = normalize_recovery_code(raw)

    assert normalized == "" or (len(normalized) == 11 and normalized[5] == "-")


def test_ten_distinct_recovery_codes_in_the_alphabet():
    codes = new_recovery_codes()

    assert len(set(codes)) == 10
    assert all(normalize_recovery_code(code) == code for code in codes)


def test_an_sms_code_has_six_digits():
    assert all(len(code) == 6 and code.isdigit() for code in (new_sms_code() for _ in range(50)))


def test_code_hashes_depend_on_the_pepper():
    assert code_hash("123456", pepper=b"a") != code_hash("123456", pepper=b"b")
    assert code_hash("123456", pepper=b"a") == code_hash("123456", pepper=b"a")


@given(digits=st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_french_mobiles_and_landlines_are_personal_numbers(digits):
    for first in "1234567" + "9":
        assert is_french_phone_number(f"+33{first}{digits}")
    assert not is_french_phone_number(f"+338{digits}")  # special-rate services
    assert not is_french_phone_number(f"+44{digits}00")
