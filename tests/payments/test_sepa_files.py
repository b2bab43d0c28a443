"""The bank files: pain.008.001.02 out (checked against the ISO 20022 schema), pain.002.001.03
in. No database."""

from datetime import date, datetime
from pathlib import Path

import pytest
from lxml import etree

from guichet.payments.errors import PaymentError, PaymentErrorCode
from guichet.payments.sepa_files import (
    Creditor,
    DebitFile,
    DebitLine,
    OutgoingDirectory,
    Rejection,
    parse_status_report,
    render_debit_file,
)
from guichet.payments.sepa_rules import SequenceType

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"}
CREDITOR = Creditor(
    identifier="FR72ZZZ123456",
    name="Opérateur Télécom SAS",
    iban="FR1420041010050500013M02606",
    bic="PSSTFRPPPAR",
)


def line(
    end_to_end_id: str, cents: int, kind: SequenceType, *, bic: str = "AGRIFRPPXXX"
) -> DebitLine:
    return DebitLine(
        end_to_end_id=end_to_end_id,
        amount_cents=cents,
        sequence_type=kind,
        mandate_reference=f"M-{end_to_end_id}",
        mandate_signed_on=date(2026, 10, 20),
        debtor_name="Zoé Lœvenbruck",
        debtor_iban="FR7630006000011234567890189",
        debtor_bic=bic,
        remittance=f"Facture {end_to_end_id}",
        prenotification_id="PN0000000001",
        prenotified_on=date(2026, 12, 2),
    )


def debit_file(*lines: DebitLine) -> DebitFile:
    return DebitFile(
        message_id="DD20261215-001",
        created_at=datetime(2026, 12, 10, 18, 0),
        creditor=CREDITOR,
        collection_date=date(2026, 12, 15),
        lines=lines,
    )


def test_one_block_per_sequence_type_with_their_totals() -> None:
    content = render_debit_file(
        debit_file(
            line("A1", 1299, SequenceType.FIRST),
            line("A2", 2599, SequenceType.RECURRENT, bic=""),
            line("A3", 1, SequenceType.RECURRENT),
        )
    )
    document = etree.fromstring(content)

    def texts(path: str) -> list[str]:
        return [element.text for element in document.iterfind(path, NS)]

    assert content.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    assert texts("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs") == ["3"]
    assert texts("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum") == ["38.99"]
    assert texts(".//p:PmtInf/p:PmtInfId") == ["DD20261215-001-FRST", "DD20261215-001-RCUR"]
    assert texts(".//p:PmtInf/p:NbOfTxs") == ["1", "2"]
    assert texts(".//p:PmtInf/p:CtrlSum") == ["12.99", "26.00"]
    assert texts(".//p:DrctDbtTxInf/p:InstdAmt") == ["12.99", "25.99", "0.01"]
    assert texts(".//p:DrctDbtTxInf/p:DbtrAgt/p:FinInstnId/p:Othr/p:Id") == ["NOTPROVIDED"]
    assert texts(".//p:DrctDbtTxInf/p:Dbtr/p:Nm") == ["Zoe Loevenbruck"] * 3


def test_the_same_batch_renders_the_same_bytes() -> None:
    batch = debit_file(line("A1", 1299, SequenceType.FIRST))

    assert render_debit_file(batch) == render_debit_file(batch)


def test_a_file_the_schema_refuses_never_leaves() -> None:
    with pytest.raises(PaymentError) as refused:
        render_debit_file(debit_file(line("A1", 1299, SequenceType.FIRST, bic="agrifrpp")))

    assert refused.value.code == PaymentErrorCode.DEBIT_FILE_INVALID
    assert "BIC" in refused.value.message


def test_outgoing_directory_writes_whole_files(tmp_path: Path) -> None:
    channel = OutgoingDirectory(tmp_path / "out")

    channel.submit(name="DD1.xml", content=b"<a/>")
    channel.submit(name="DD1.xml", content=b"<a/>")

    assert [path.name for path in (tmp_path / "out").iterdir()] == ["DD1.xml"]
    assert (tmp_path / "out" / "DD1.xml").read_bytes() == b"<a/>"


# pain.002 -----------------------------------------------------------------------------------------

REPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03">
  <CstmrPmtStsRpt>
    <GrpHdr><MsgId>BANK-RPT-0001</MsgId><CreDtTm>2026-12-17T07:00:00</CreDtTm></GrpHdr>
    <OrgnlGrpInfAndSts>
      <OrgnlMsgId>DD20261215-001</OrgnlMsgId><OrgnlMsgNmId>pain.008.001.02</OrgnlMsgNmId>
      <GrpSts>PART</GrpSts>
    </OrgnlGrpInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>DD20261215-001-FRST</OrgnlPmtInfId>
      <TxInfAndSts>
        <OrgnlEndToEndId>F2026-000001-20261215</OrgnlEndToEndId>
        <TxSts>RJCT</TxSts>
        <StsRsnInf><Rsn><Cd>AM04</Cd></Rsn></StsRsnInf>
        <OrgnlTxRef><Amt><InstdAmt Ccy="EUR">12.99</InstdAmt></Amt></OrgnlTxRef>
      </TxInfAndSts>
      <TxInfAndSts>
        <OrgnlEndToEndId>F2026-000002-20261215</OrgnlEndToEndId>
        <TxSts>ACCP</TxSts>
      </TxInfAndSts>
    </OrgnlPmtInfAndSts>
    <OrgnlPmtInfAndSts>
      <OrgnlPmtInfId>DD20261215-001-RCUR</OrgnlPmtInfId>
      <PmtInfSts>RJCT</PmtInfSts>
      <StsRsnInf><Rsn><Cd>AG02</Cd></Rsn></StsRsnInf>
    </OrgnlPmtInfAndSts>
  </CstmrPmtStsRpt>
</Document>
"""


def test_a_status_report_gives_its_rejections() -> None:
    report = parse_status_report(REPORT)

    assert report.message_id == "BANK-RPT-0001"
    assert report.rejections == (
        Rejection("DD20261215-001", "DD20261215-001-FRST", "F2026-000001-20261215", "AM04", 1299),
        Rejection("DD20261215-001", "DD20261215-001-RCUR", None, "AG02", None),
    )


def test_a_whole_message_rejected() -> None:
    report = parse_status_report(
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        b"<GrpHdr><MsgId>R2</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>DD20261215-001"
        b"</OrgnlMsgId><GrpSts>RJCT</GrpSts><StsRsnInf><Rsn><Cd>FF01</Cd></Rsn></StsRsnInf>"
        b"</OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"
    )

    assert report.rejections == (Rejection("DD20261215-001", None, None, "FF01", None),)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not xml", "ce n'est pas du XML"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"/>',
            "ce n'est pas un rapport pain.002.001.03",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
            b"<GrpHdr/></CstmrPmtStsRpt></Document>",
            "l'élément GrpHdr/MsgId manque.",
        ),
        (REPORT.replace(b">12.99<", b">12.999<"), "le montant « 12.999 » n'est pas un montant"),
    ],
)
def test_a_file_that_is_not_a_status_report_is_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(PaymentError) as refused:
        parse_status_report(content)

    assert refused.value.code == PaymentErrorCode.RETURN_FILE_INVALID
    assert refused.value.message.startswith("Le fichier de retour de la banque n'est pas lisible")
    assert message in refused.value.message


def test_external_entities_are_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    content = (
        f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.03"><CstmrPmtStsRpt>'
        "<GrpHdr><MsgId>R&x;</MsgId></GrpHdr><OrgnlGrpInfAndSts><OrgnlMsgId>M</OrgnlMsgId>"
        "</OrgnlGrpInfAndSts></CstmrPmtStsRpt></Document>"
    ).encode()

    assert parse_status_report(content).message_id == "R"
