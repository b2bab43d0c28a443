"""Pure rules of a box's Wi-Fi: what a network name and a WPA2 key may be, and the factory
settings a box ships with. No database, no clock."""

import hashlib
import hmac

# IEEE 802.11: an SSID is 1 to 32 octets. WPA2-Personal (IEEE 802.11i, annex H.4): a passphrase
# is 8 to 63 printable ASCII characters (codes 32 to 126).
NETWORK_NAME_MAX_OCTETS = 32
WIFI_KEY_MIN_LENGTH = 8
WIFI_KEY_MAX_LENGTH = 63
# A factory key avoids characters people misread on a label (0/O, 1/l/I).
_FACTORY_KEY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
FACTORY_KEY_LENGTH = 20


def network_name_problem(name: str) -> str | None:
    """Why `name` cannot be a network name (French), or None when it can."""
    if not name or not name.strip():
        return "Indiquez un nom de réseau Wi-Fi."
    if name != name.strip():
        return "Le nom du réseau ne peut pas commencer ni finir par une espace."
    if len(name.encode("utf-8")) > NETWORK_NAME_MAX_OCTETS:
        return f"Le nom du réseau fait au plus {NETWORK_NAME_MAX_OCTETS} octets."
    if any(ord(character) < 32 or ord(character) == 127 for character in name):
        return "Le nom du réseau ne peut pas contenir de caractère de contrôle."
    return None


def wifi_key_problem(key: str) -> str | None:
    """Why `key` cannot be a WPA2 passphrase (French), or None when it can."""
    if not WIFI_KEY_MIN_LENGTH <= len(key) <= WIFI_KEY_MAX_LENGTH:
        return (
            f"La clé Wi-Fi doit faire de {WIFI_KEY_MIN_LENGTH} à {WIFI_KEY_MAX_LENGTH}"
            f" caractères (elle en fait {len(key)})."
        )
    wrong = sorted({character for character in key if not 32 <= ord(character) <= 126})
    if wrong:
        return (
            "La clé Wi-Fi ne peut contenir que des lettres sans accent, des chiffres, des"
            f" espaces et les signes du clavier ASCII (refusé : {' '.join(wrong)})."
        )
    return None


def box_factory_wifi(*, access_reference: str, secret: str) -> tuple[str, str]:
    """The network name and key printed on the box's label, derived from its access reference
    (the same box always gets the same ones; no one can guess them without the secret)."""
    digest = hmac.new(secret.encode(), access_reference.encode(), hashlib.sha256).digest()
    name = f"Bbox-{digest[:3].hex().upper()}"
    key = "".join(
        _FACTORY_KEY_ALPHABET[byte % len(_FACTORY_KEY_ALPHABET)]
        for byte in digest[3 : 3 + FACTORY_KEY_LENGTH]
    )
    return name, key
