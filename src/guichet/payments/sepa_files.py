"""The files exchanged with the bank for SEPA direct debit, and the channel that carries them.

- Out: one **pain.008.001.02** file (customer direct debit initiation, SEPA Core scheme) per
  batch, one payment information block per sequence type (FRST, RCUR), checked against the ISO
  20022 schema (`schemas/pain.008.001.02.xsd`, from iso20022.org) before it leaves.
- In: the bank's **pain.002.001.03** status report (customer payment status report), which
  carries the rejects and returns (R-transactions) of the debits: a transaction, a payment
  information block or the whole original message with status `RJCT`, and the ISO reason code
  (`StsRsnInf/Rsn/Cd`). Other statuses (accepted, pending) change nothing and are skipped.
- The channel: `OutgoingDirectory` drops each file in `GUICHET_SEPA_OUTBOX_DIR`, where the
  bank connection (EBICS client, SFTP transfer) picks it up; the demo and the tests use the
  same writer on a folder under `var/`. Another channel (a bank API) is a class with the same
  `submit` method named by `GUICHET_SEPA_CHANNEL`.

Pure of the database: dataclasses in, bytes out (and back).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from lxml import etree

from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.sepa_rules import (
    REMITTANCE_MAX_LENGTH,
    SequenceType,
    amount_text,
    sepa_text,
)

PAIN_008 = "pain.008.001.02"
PAIN_002 = "pain.002.001.03"
_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:{}"
_PAIN_008_NAMESPACE = _NAMESPACE.format(PAIN_008)
_SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
REJECTED = "RJCT"


@dataclass(frozen=True)
class Creditor:
    """The operator as creditor: its SEPA creditor identifier (ICS) and the account credited."""

    identifier: str
    name: str
    iban: str
    bic: str


@dataclass(frozen=True)
class DebitLine:
    end_to_end_id: str
    amount_cents: int
    sequence_type: SequenceType
    mandate_reference: str
    mandate_signed_on: date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str  # "" when unknown: "NOTPROVIDED"
    remittance: str  # what the customer's bank statement shows
    prenotification_id: str
    prenotified_on: date


@dataclass(frozen=True)
class DebitFile:
    message_id: str
    created_at: datetime  # local (Europe/Paris) time, written without offset
    creditor: Creditor
    collection_date: date
    lines: Sequence[DebitLine]

    def payment_information_id(self, sequence_type: SequenceType) -> str:
        return f"{self.message_id}-{sequence_type.value}"


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    element = etree.SubElement(parent, f"{{{_PAIN_008_NAMESPACE}}}{tag}")
    if text is not None:
        element.text = text
    return element


def _path(parent: etree._Element, tags: str, text: str) -> etree._Element:
    """Nested elements "A/B/C" under `parent`, the last one holding `text`."""
    *outer, last = tags.split("/")
    for tag in outer:
        parent = _sub(parent, tag)
    return _sub(parent, last, text)


def _financial_institution(parent: etree._Element, bic: str) -> None:
    institution = _sub(parent, "FinInstnId")
    if bic:
        _sub(institution, "BIC", bic)
    else:
        _path(institution, "Othr/Id", "NOTPROVIDED")


def _total(lines: Sequence[DebitLine]) -> str:
    return amount_text(sum(line.amount_cents for line in lines))


def _payment_information(
    root: etree._Element, debit_file: DebitFile, kind: SequenceType, lines: Sequence[DebitLine]
) -> None:
    creditor = debit_file.creditor
    block = _sub(root, "PmtInf")
    _sub(block, "PmtInfId", debit_file.payment_information_id(kind))
    _sub(block, "PmtMtd", "DD")
    _sub(block, "NbOfTxs", str(len(lines)))
    _sub(block, "CtrlSum", _total(lines))
    payment_type = _sub(block, "PmtTpInf")
    _path(payment_type, "SvcLvl/Cd", "SEPA")
    _path(payment_type, "LclInstrm/Cd", "CORE")
    _sub(payment_type, "SeqTp", kind.value)
    _sub(block, "ReqdColltnDt", debit_file.collection_date.isoformat())
    _path(block, "Cdtr/Nm", sepa_text(creditor.name))
    _path(block, "CdtrAcct/Id/IBAN", creditor.iban)
    _financial_institution(_sub(block, "CdtrAgt"), creditor.bic)
    _sub(block, "ChrgBr", "SLEV")
    scheme = _path(block, "CdtrSchmeId/Id/PrvtId/Othr/Id", creditor.identifier).getparent()
    assert scheme is not None
    _path(scheme, "SchmeNm/Prtry", "SEPA")
    for line in lines:
        transaction = _sub(block, "DrctDbtTxInf")
        _path(transaction, "PmtId/EndToEndId", line.end_to_end_id)
        _sub(transaction, "InstdAmt", amount_text(line.amount_cents)).set("Ccy", "EUR")
        debit = _sub(transaction, "DrctDbtTx")
        mandate = _sub(debit, "MndtRltdInf")
        _sub(mandate, "MndtId", line.mandate_reference)
        _sub(mandate, "DtOfSgntr", line.mandate_signed_on.isoformat())
        _sub(debit, "PreNtfctnId", line.prenotification_id)
        _sub(debit, "PreNtfctnDt", line.prenotified_on.isoformat())
        _financial_institution(_sub(transaction, "DbtrAgt"), line.debtor_bic)
        _path(transaction, "Dbtr/Nm", sepa_text(line.debtor_name))
        _path(transaction, "DbtrAcct/Id/IBAN", line.debtor_iban)
        _path(
            transaction,
            "RmtInf/Ustrd",
            sepa_text(line.remittance, max_length=REMITTANCE_MAX_LENGTH),
        )


def render_debit_file(debit_file: DebitFile) -> bytes:
    """The pain.008.001.02 document of a batch, checked against the ISO 20022 schema.

    The same batch always renders to the same bytes (its creation time is stored), so a file
    sent again after a crash is the same file, with the same message id."""
    if not debit_file.lines:
        raise ValueError("a debit file has at least one debit")
    document = etree.Element(
        f"{{{_PAIN_008_NAMESPACE}}}Document", nsmap={None: _PAIN_008_NAMESPACE}
    )
    root = _sub(document, "CstmrDrctDbtInitn")
    header = _sub(root, "GrpHdr")
    _sub(header, "MsgId", debit_file.message_id)
    _sub(header, "CreDtTm", debit_file.created_at.strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(header, "NbOfTxs", str(len(debit_file.lines)))
    _sub(header, "CtrlSum", _total(debit_file.lines))
    _path(header, "InitgPty/Nm", sepa_text(debit_file.creditor.name))
    for kind in SequenceType:
        lines = [line for line in debit_file.lines if line.sequence_type == kind]
        if lines:
            _payment_information(root, debit_file, kind, lines)
    check_debit_file(document)
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))


@cache
def _schema(message: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_SCHEMA_DIR / f"{message}.xsd")))


def check_debit_file(document: etree._Element) -> None:
    schema = _schema(PAIN_008)
    if not schema.validate(document):
        errors = "; ".join(f"ligne {e.line} : {e.message}" for e in schema.error_log)
        raise PaymentError(
            code=PaymentErrorCode.DEBIT_FILE_INVALID,
            message=f"Le fichier de prélèvement n'est pas conforme au schéma {PAIN_008} : {errors}",
        )


# The bank's status report (pain.002) ---------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    """One rejected or returned item of a status report: a transaction (`end_to_end_id`), or a
    whole payment information block (`payment_information_id`), or a whole original message."""

    original_message_id: str
    payment_information_id: str | None
    end_to_end_id: str | None
    reason_code: str
    amount_cents: int | None


@dataclass(frozen=True)
class StatusReport:
    message_id: str
    rejections: tuple[Rejection, ...]


def _invalid(message: str) -> PaymentError:
    return PaymentError(
        code=PaymentErrorCode.RETURN_FILE_INVALID,
        message=f"Le fichier de retour de la banque n'est pas lisible : {message}",
    )


class _Reader:
    def __init__(self, namespace: str) -> None:
        self.ns = {"p": namespace}

    def text(self, element: etree._Element, path: str) -> str | None:
        found = element.find(path, self.ns)
        if found is None or not (found.text or "").strip():
            return None
        return (found.text or "").strip()

    def required(self, element: etree._Element, path: str) -> str:
        value = self.text(element, path)
        if value is None:
            raise _invalid(f"l'élément {path.replace('p:', '')} manque.")
        return value

    def reason(self, element: etree._Element) -> str:
        return self.text(element, "p:StsRsnInf/p:Rsn/p:Cd") or "MS03"

    def elements(self, element: etree._Element, path: str) -> list[etree._Element]:
        return list(element.iterfind(path, self.ns))


def _cents(text: str) -> int:
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _invalid(f"le montant « {text} » n'est pas un nombre.") from None
    cents = amount * 100
    if cents != cents.to_integral_value() or cents <= 0:
        raise _invalid(f"le montant « {text} » n'est pas un montant en euros et centimes.")
    return int(cents)


def parse_status_report(content: bytes) -> StatusReport:
    """The rejections a pain.002.001.03 report carries; refused whole when it is not one."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        document = etree.fromstring(content, parser)
    except etree.XMLSyntaxError as error:
        raise _invalid(f"ce n'est pas du XML ({error}).") from None
    namespace = _NAMESPACE.format(PAIN_002)
    if document.tag != f"{{{namespace}}}Document":
        raise _invalid(f"ce n'est pas un rapport {PAIN_002} (élément racine {document.tag}).")
    read = _Reader(namespace)
    report = document.find("p:CstmrPmtStsRpt", read.ns)
    if report is None:
        raise _invalid("l'élément CstmrPmtStsRpt manque.")
    message_id = read.required(report, "p:GrpHdr/p:MsgId")
    group = report.find("p:OrgnlGrpInfAndSts", read.ns)
    if group is None:
        raise _invalid("l'élément OrgnlGrpInfAndSts manque.")
    original = read.required(group, "p:OrgnlMsgId")
    rejections: list[Rejection] = []
    blocks = read.elements(report, "p:OrgnlPmtInfAndSts")
    if read.text(group, "p:GrpSts") == REJECTED and not blocks:
        rejections.append(Rejection(original, None, None, read.reason(group), None))
    for block in blocks:
        block_id = read.required(block, "p:OrgnlPmtInfId")
        transactions = read.elements(block, "p:TxInfAndSts")
        if read.text(block, "p:PmtInfSts") == REJECTED and not transactions:
            rejections.append(Rejection(original, block_id, None, read.reason(block), None))
        for transaction in transactions:
            if read.required(transaction, "p:TxSts") != REJECTED:
                continue
            amount = read.text(transaction, "p:OrgnlTxRef/p:Amt/p:InstdAmt")
            rejections.append(
                Rejection(
                    original_message_id=original,
                    payment_information_id=block_id,
                    end_to_end_id=read.required(transaction, "p:OrgnlEndToEndId"),
                    reason_code=read.reason(transaction),
                    amount_cents=None if amount is None else _cents(amount),
                )
            )
    return StatusReport(message_id=message_id, rejections=tuple(rejections))


# The channel to the bank ---------------------------------------------------------------------


class DebitFileChannel(Protocol):
    def submit(self, *, name: str, content: bytes) -> None:
        """Hand one file to the bank; raise on any failure (the batch stays to be sent).
        Submitting the same name and content again must be harmless."""


class OutgoingDirectory:
    """Drops each file in a directory (`GUICHET_SEPA_OUTBOX_DIR`) that the bank connection
    collects. Written under a temporary name then renamed, so the pickup never reads half a
    file; the same file submitted again replaces itself with the same bytes."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory or settings.GUICHET_SEPA_OUTBOX_DIR)

    def submit(self, *, name: str, content: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        temporary = self.directory / f".{name}.part"
        temporary.write_bytes(content)
        temporary.replace(self.directory / name)


DEFAULT_CHANNEL = "guichet.payments.sepa_files.OutgoingDirectory"


def get_debit_file_channel() -> DebitFileChannel:
    channel_class = import_string(getattr(settings, "GUICHET_SEPA_CHANNEL", DEFAULT_CHANNEL))
    channel: DebitFileChannel = channel_class()
    return channel
