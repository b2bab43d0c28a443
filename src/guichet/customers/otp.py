"""One-time codes of the second sign-in step, without Django: TOTP (RFC 6238 over RFC 4226's
HOTP), SMS and recovery codes, and the sealing of the TOTP secret kept in the database.

Sealing uses HMAC-SHA256 both as the keystream (counter mode) and as the tag
(encrypt-then-MAC): the standard library has no block cipher, and a PRF in counter mode is a
sound stream cipher. A database leak without the key gives neither the secret nor a way to
forge one.
"""

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

TOTP_STEP_SECONDS = 30
TOTP_DIGITS = 6
# Steps accepted either side of the current one: a phone's clock may be off by up to 30 s.
TOTP_DRIFT_STEPS = 1
TOTP_SECRET_BYTES = 20  # RFC 4226 recommends 160 bits
SMS_CODE_DIGITS = 6
RECOVERY_CODE_COUNT = 10
# Crockford's base-32 alphabet without I, L, O, U: no two letters look alike when read aloud.
RECOVERY_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
RECOVERY_CODE_LENGTH = 10  # 50 bits

_NONCE_BYTES = 16
_TAG_BYTES = 16
_DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}


def hotp(key: bytes, counter: int, *, digits: int = TOTP_DIGITS, algorithm: str = "SHA1") -> str:
    """RFC 4226 section 5.3: dynamic truncation of HMAC(key, counter)."""
    if not 6 <= digits <= 10:
        raise ValueError("HOTP codes have 6 to 10 digits")
    mac = hmac.new(key, struct.pack(">Q", counter), _DIGESTS[algorithm]).digest()
    offset = mac[-1] & 0x0F
    value = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**digits).zfill(digits)


def totp_step(unix_time: float, *, step: int = TOTP_STEP_SECONDS) -> int:
    return int(unix_time // step)


def totp(
    key: bytes,
    unix_time: float,
    *,
    digits: int = TOTP_DIGITS,
    algorithm: str = "SHA1",
    step: int = TOTP_STEP_SECONDS,
) -> str:
    """RFC 6238: HOTP of the number of time steps since the Unix epoch."""
    return hotp(key, totp_step(unix_time, step=step), digits=digits, algorithm=algorithm)


def totp_match(
    key: bytes, code: str, unix_time: float, *, after_step: int | None = None
) -> int | None:
    """The time step `code` belongs to, within the drift window, or None.

    Steps up to `after_step` are refused, so a code seen once (over a shoulder, in a phishing
    relay) cannot be played again.
    """
    code = normalize_digits(code)
    if len(code) != TOTP_DIGITS:
        return None
    now_step = totp_step(unix_time)
    for candidate in range(now_step - TOTP_DRIFT_STEPS, now_step + TOTP_DRIFT_STEPS + 1):
        if after_step is not None and candidate <= after_step:
            continue
        if hmac.compare_digest(hotp(key, candidate), code):
            return candidate
    return None


def normalize_digits(raw: str) -> str:
    """Codes as people type them: spaces and dashes left out."""
    return "".join(raw.split()).replace("-", "")


def new_totp_secret() -> bytes:
    return secrets.token_bytes(TOTP_SECRET_BYTES)


def base32_secret(key: bytes) -> str:
    """The secret as authenticator apps take it: base 32, upper case, without padding."""
    return base64.b32encode(key).decode().rstrip("=")


def grouped(text: str, size: int = 4) -> str:
    """ "JBSW Y3DP EHPK 3PXP": easier to copy by hand."""
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


def otpauth_uri(key: bytes, *, account: str, issuer: str) -> str:
    """The Key Uri Format that authenticator apps read (the content of the usual QR code)."""
    label = quote(f"{issuer}:{account}", safe="")
    query = urlencode(
        {
            "secret": base32_secret(key),
            "issuer": issuer,
            "algorithm": "SHA1",
            "digits": TOTP_DIGITS,
            "period": TOTP_STEP_SECONDS,
        }
    )
    return f"otpauth://totp/{label}?{query}"


def new_sms_code() -> str:
    return str(secrets.randbelow(10**SMS_CODE_DIGITS)).zfill(SMS_CODE_DIGITS)


def new_recovery_codes(count: int = RECOVERY_CODE_COUNT) -> list[str]:
    codes: set[str] = set()
    while len(codes) < count:
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        codes.add(format_recovery_code(raw))
    return sorted(codes)


def format_recovery_code(raw: str) -> str:
    half = RECOVERY_CODE_LENGTH // 2
    return f"{raw[:half]}-{raw[half:]}"


def normalize_recovery_code(raw: str) -> str:
    """Upper case, separators dropped, and the letters people mistake for digits mapped back."""
    compact = normalize_digits(raw).upper().translate(str.maketrans("OIL", "011"))
    if len(compact) != RECOVERY_CODE_LENGTH or any(c not in RECOVERY_ALPHABET for c in compact):
        return ""
    return format_recovery_code(compact)


def code_hash(code: str, *, pepper: bytes) -> str:
    """Keyed hash of a short code: without the pepper, a leaked hash cannot be brute-forced."""
    return hmac.new(pepper, code.encode(), hashlib.sha256).hexdigest()


def _subkey(key: bytes, purpose: bytes) -> bytes:
    return hmac.new(key, purpose, hashlib.sha256).digest()


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = (length + 31) // 32
    stream = b"".join(
        hmac.new(key, nonce + struct.pack(">I", i), hashlib.sha256).digest() for i in range(blocks)
    )
    return stream[:length]


def seal(secret: bytes, *, key: bytes) -> str:
    nonce = secrets.token_bytes(_NONCE_BYTES)
    stream = _keystream(_subkey(key, b"encrypt"), nonce, len(secret))
    body = nonce + bytes(a ^ b for a, b in zip(secret, stream, strict=True))
    tag = hmac.new(_subkey(key, b"authenticate"), body, hashlib.sha256).digest()[:_TAG_BYTES]
    return base64.urlsafe_b64encode(body + tag).decode()


def unseal(sealed: str, *, key: bytes) -> bytes:
    """Raises ValueError when the value was altered or sealed with another key."""
    try:
        raw = base64.urlsafe_b64decode(sealed.encode())
    except ValueError:
        raise ValueError("sealed value is not base 64") from None
    if len(raw) < _NONCE_BYTES + _TAG_BYTES:
        raise ValueError("sealed value is too short")
    body, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
    expected = hmac.new(_subkey(key, b"authenticate"), body, hashlib.sha256).digest()
    if not hmac.compare_digest(expected[:_TAG_BYTES], tag):
        raise ValueError("sealed value was altered or sealed with another key")
    nonce, cipher = body[:_NONCE_BYTES], body[_NONCE_BYTES:]
    stream = _keystream(_subkey(key, b"encrypt"), nonce, len(cipher))
    return bytes(a ^ b for a, b in zip(cipher, stream, strict=True))
