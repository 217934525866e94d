"""X-Road identifiers and the request envelope, against the contract's "Request" section."""

from __future__ import annotations

import pytest
from lxml import etree

from register.xroad import (
    EIS_NS,
    IDENTIFIERS_NS,
    SOAP_ENV_NS,
    XROAD_NS,
    ClientId,
    InvalidIdentifier,
    RequestHeaders,
    ServiceId,
    append_identifier,
    build_request,
    iden,
    parse_client_id,
    parse_service_id,
    read_client_id,
    read_service_id,
    soap,
    xro,
)

CLIENT = "SEVDEIR-TEST/GOV/12345678/EHEALTH_prod"
SERVICE = "SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr/v1"
MESSAGE_ID = "6f1c2f0e-9a8b-4e43-9d6c-2b7f0d3a51c4"


def headers(
    *, service: str = SERVICE, user_id: str | None = "UA3656801869", issue: str | None = "job/1"
) -> RequestHeaders:
    return RequestHeaders(
        client=parse_client_id(CLIENT),
        service=parse_service_id(service),
        message_id=MESSAGE_ID,
        user_id=user_id,
        issue=issue,
    )


def local_names(element: etree._Element) -> list[str]:
    return [etree.QName(child).localname for child in element]


def test_client_identifier_has_four_parts() -> None:
    assert parse_client_id(CLIENT) == ClientId("SEVDEIR-TEST", "GOV", "12345678", "EHEALTH_prod")
    assert parse_client_id(CLIENT).path() == CLIENT


def test_service_identifier_version_is_optional() -> None:
    assert parse_service_id(SERVICE) == ServiceId("SEVDEIR-TEST", "GOV", "00032684", "MIA_prod", "unzr", "v1")
    without = parse_service_id("SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr")
    assert without.service_version is None
    assert without.path() == "SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr"


@pytest.mark.parametrize(
    "value",
    [
        "SEVDEIR-TEST/GOV/12345678",
        "SEVDEIR-TEST/GOV/12345678/EHEALTH_prod/x",
        "A/B/C/D E",
        "A/B//D",
        "A/B/C/Д",
    ],
)
def test_malformed_client_identifier_is_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_client_id(value)


@pytest.mark.parametrize("value", ["A/B/C/D", "A/B/C/D/E/F/G", "A/B/C/D/E;", "A/B/C/D/"])
def test_malformed_service_identifier_is_refused(value: str) -> None:
    with pytest.raises(InvalidIdentifier):
        parse_service_id(value)


def test_envelope_headers_come_in_the_contract_order() -> None:
    root = etree.fromstring(build_request(headers(), "20000213-01467"))
    assert root.tag == soap("Envelope")
    assert local_names(root) == ["Header", "Body"]
    header = root.find(soap("Header"))
    assert header is not None
    assert [child.tag for child in header] == [
        xro("client"),
        xro("service"),
        xro("id"),
        xro("userId"),
        xro("issue"),
        xro("protocolVersion"),
    ]
    assert header.findtext(xro("id")) == MESSAGE_ID
    assert header.findtext(xro("userId")) == "UA3656801869"
    assert header.findtext(xro("issue")) == "job/1"
    assert header.findtext(xro("protocolVersion")) == "4.0"
    assert header.find(xro("requestHash")) is None


def test_identifiers_are_written_part_by_part() -> None:
    header = etree.fromstring(build_request(headers(), "20000213-01467")).find(soap("Header"))
    assert header is not None
    client, service = header.find(xro("client")), header.find(xro("service"))
    assert client is not None and service is not None
    assert client.get(iden("objectType")) == "SUBSYSTEM"
    assert [(etree.QName(c).localname, c.text) for c in client] == [
        ("xRoadInstance", "SEVDEIR-TEST"),
        ("memberClass", "GOV"),
        ("memberCode", "12345678"),
        ("subsystemCode", "EHEALTH_prod"),
    ]
    assert service.get(iden("objectType")) == "SERVICE"
    assert [(etree.QName(c).localname, c.text) for c in service] == [
        ("xRoadInstance", "SEVDEIR-TEST"),
        ("memberClass", "GOV"),
        ("memberCode", "00032684"),
        ("subsystemCode", "MIA_prod"),
        ("serviceCode", "unzr"),
        ("serviceVersion", "v1"),
    ]


def test_user_id_and_issue_are_left_out_when_unknown() -> None:
    envelope = build_request(headers(user_id=None, issue=None), "20000213-01467")
    header = etree.fromstring(envelope).find(soap("Header"))
    assert header is not None
    assert local_names(header) == ["client", "service", "id", "protocolVersion"]


def test_namespaces_and_prefixes_are_the_contracts() -> None:
    envelope = build_request(headers(), "20000213-01467")
    assert envelope.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = etree.fromstring(envelope)
    assert root.nsmap == {"soapenv": SOAP_ENV_NS, "xro": XROAD_NS, "iden": IDENTIFIERS_NS, "eis": EIS_NS}
    assert b"<soapenv:Envelope " in envelope and b"<xro:client iden:objectType=" in envelope


def test_body_wrapper_is_named_after_the_service_code() -> None:
    envelope = build_request(
        headers(service="SEVDEIR-TEST/GOV/00032684/MIA_prod/personInfo"), "20000213-01467"
    )
    body = etree.fromstring(envelope).find(soap("Body"))
    assert body is not None
    assert [child.tag for child in body] == [f"{{{EIS_NS}}}personInfo"]
    assert b"<eis:personInfo><unzr>20000213-01467</unzr></eis:personInfo>" in envelope


@pytest.mark.parametrize(
    "unzr", ["20000213-01467", "19910824-00026", " 19910824-00026", "19910824-00026 ", "19910824-00026\n"]
)
def test_unzr_goes_out_byte_for_byte(unzr: str) -> None:
    envelope = build_request(headers(), unzr)
    assert b"<eis:unzr><unzr>" + unzr.encode() + b"</unzr></eis:unzr>" in envelope
    wrapper = etree.fromstring(envelope).find(f"{soap('Body')}/{{{EIS_NS}}}unzr")
    assert wrapper is not None
    child = wrapper.find("unzr")  # unqualified: in no namespace
    assert child is not None and child.text == unzr


def test_identifiers_read_back_from_xml() -> None:
    parent = etree.Element("parent")
    client = append_identifier(parent, xro("client"), parse_client_id(CLIENT))
    service = append_identifier(parent, xro("service"), parse_service_id(SERVICE))
    assert read_client_id(client) == parse_client_id(CLIENT)
    assert read_service_id(service) == parse_service_id(SERVICE)
    assert read_client_id(service) is None  # objectType SERVICE is not a client


def test_identifier_with_parts_out_of_order_is_not_read() -> None:
    parent = etree.Element("parent")
    client = append_identifier(parent, xro("client"), parse_client_id(CLIENT))
    client.insert(0, client[1])  # memberClass before xRoadInstance
    assert read_client_id(client) is None
