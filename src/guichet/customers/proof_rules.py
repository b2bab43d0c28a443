"""What a proof document sent by a customer may be: its kind is read from its first bytes (never
from the name or the browser's content type), and its size is bounded. Pure."""

# A scan or a photo of an official document: a few megabytes at most.
PROOF_MAX_BYTES = 5 * 1024 * 1024
_SIGNATURES = (
    (b"%PDF-", "pdf"),
    (b"\xff\xd8\xff", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "png"),
)
PROOF_CONTENT_TYPES = {"pdf": "application/pdf", "jpg": "image/jpeg", "png": "image/png"}


def proof_extension(head: bytes, *, size: int) -> str:
    """The file's extension from its first bytes; ValueError with a French message otherwise."""
    if size <= 0:
        raise ValueError("Le justificatif est vide.")
    if size > PROOF_MAX_BYTES:
        raise ValueError(
            f"Le justificatif pèse {size / 1024 / 1024:.1f} Mo : {PROOF_MAX_BYTES // 1024 // 1024}"
            " Mo au plus."
        )
    for signature, extension in _SIGNATURES:
        if head.startswith(signature):
            return extension
    raise ValueError("Le justificatif doit être un PDF, une photo JPEG ou une image PNG.")
