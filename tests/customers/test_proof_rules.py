import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.customers.proof_rules import PROOF_MAX_BYTES, proof_extension

SIGNATURES = {"pdf": b"%PDF-", "jpg": b"\xff\xd8\xff", "png": b"\x89PNG\r\n\x1a\n"}


@given(st.sampled_from(sorted(SIGNATURES)), st.binary(max_size=12), st.integers(1, PROOF_MAX_BYTES))
def test_a_known_signature_within_the_size_gives_its_extension(extension, rest, size):
    assert proof_extension(SIGNATURES[extension] + rest, size=size) == extension


@given(st.binary(max_size=16), st.integers(-10, PROOF_MAX_BYTES * 2))
def test_anything_else_is_refused(head, size):
    known = any(head.startswith(signature) for signature in SIGNATURES.values())
    if known and 0 < size <= PROOF_MAX_BYTES:
        return
    with pytest.raises(ValueError):
        proof_extension(head, size=size)


def test_too_big_names_the_limit():
    with pytest.raises(ValueError, match="5 Mo au plus"):
        proof_extension(b"%PDF-1.7", size=PROOF_MAX_BYTES + 1)
