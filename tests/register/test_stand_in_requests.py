"""The stand-in checks requests as a security server does: raw HTTP requests that break the contract
each get the matching fault, and a good one gets its headers echoed."""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Callable, Iterator

import httpx
import pytest
from lxml import etree

from register.xroad import RequestHeaders, build_request, parse_client_id, parse_service_id, soap, xro
from settings import Settings
from tests.support.stand_in import StandIn

SOAP_HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": '""'}
Mutation = Callable[[etree._Element], None]


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False, timeout=5.0) as client:
        yield client


def request_body(settings: Settings, unzr: str, mutate: Mutation | None = None) -> bytes:
    headers = RequestHeaders(
        client=parse_client_id(settings.xroad_client),
        service=parse_service_id(settings.xroad_service),
        message_id=str(uuid.uuid4()),
        user_id="UA3656801869",
        issue="test",
    )
    envelope = build_request(headers, unzr)
    if mutate is None:
        return envelope
    root = etree.fromstring(envelope)
    mutate(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def header_field(root: etree._Element, name: str) -> etree._Element:
    field = root.find(f"{soap('Header')}/{xro(name)}")
    assert field is not None
    return field


def remove(name: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        field = header_field(root, name)
        parent = field.getparent()
        assert parent is not None
        parent.remove(field)

    return mutate


def set_text(path: str, text: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        element = root.find(path)
        assert element is not None
        element.text = text

    return mutate


def duplicate(name: str) -> Mutation:
    def mutate(root: etree._Element) -> None:
        field = header_field(root, name)
        field.addnext(etree.fromstring(etree.tostring(field)))

    return mutate


def add_request_hash(root: etree._Element) -> None:
    header = root.find(soap("Header"))
    assert header is not None
    etree.SubElement(header, xro("requestHash")).text = "AAAA"


def rename_wrapper(root: etree._Element) -> None:
    body = root.find(soap("Body"))
    assert body is not None
    body[0].tag = "{urn:mvs-eis:unzr:v1}somethingElse"


def remove_unzr(root: etree._Element) -> None:
    body = root.find(soap("Body"))
    assert body is not None
    body[0].remove(body[0][0])


def fault_code(response: httpx.Response) -> str:
    assert response.headers["content-type"].startswith("text/xml")
    code = etree.fromstring(response.content).findtext(f"{soap('Body')}/{soap('Fault')}/faultcode")
    assert code is not None, response.text
    return code


def post(
    http: httpx.Client, stand_in: StandIn, body: bytes, headers: dict[str, str] = SOAP_HEADERS
) -> httpx.Response:
    return http.post(stand_in.url, content=body, headers=headers)


IDEN = "{http://x-road.eu/xsd/identifiers}"


@pytest.mark.parametrize(
    ("mutation", "expected"),
    [
        (remove("client"), "Server.ClientProxy.MissingHeaderField"),
        (remove("service"), "Server.ClientProxy.MissingHeaderField"),
        (remove("id"), "Server.ClientProxy.MissingHeaderField"),
        (remove("protocolVersion"), "Server.ClientProxy.MissingHeaderField"),
        (set_text(f"{soap('Header')}/{xro('id')}", " "), "Server.ClientProxy.MissingHeaderField"),
        (duplicate("id"), "Client.DuplicateHeaderField"),
        (set_text(f"{soap('Header')}/{xro('protocolVersion')}", "3.1"), "Client.InvalidProtocolVersion"),
        (add_request_hash, "Client.InvalidSoap"),
        (
            set_text(f"{soap('Header')}/{xro('service')}/{IDEN}memberCode", "11111111"),
            "Server.ServerProxy.UnknownService",
        ),
        (
            set_text(f"{soap('Header')}/{xro('service')}/{IDEN}serviceVersion", "v2"),
            "Server.ServerProxy.UnknownService",
        ),
        (
            set_text(f"{soap('Header')}/{xro('client')}/{IDEN}memberCode", "99999999"),
            "Server.ServerProxy.AccessDenied",
        ),
        (duplicate("client"), "Client.DuplicateHeaderField"),
        (rename_wrapper, "Client.InvalidBody"),
    ],
    ids=[
        "no-client",
        "no-service",
        "no-id",
        "no-protocol-version",
        "blank-id",
        "duplicate-id",
        "protocol-3.1",
        "request-hash-from-client",
        "other-provider",
        "other-service-version",
        "unknown-client",
        "duplicate-client",
        "wrong-body-wrapper",
    ],
)
def test_header_and_body_faults(
    mutation: Mutation, expected: str, http: httpx.Client, stand_in: StandIn, settings: Settings
) -> None:
    unzr = "19910824-00026"
    before = stand_in.calls().get(unzr, 0)
    response = post(http, stand_in, request_body(settings, unzr, mutation))
    assert (response.status_code, fault_code(response)) == (500, expected)
    assert stand_in.calls().get(unzr, 0) == before  # rejected before the register


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Content-Type": "application/json", "SOAPAction": '""'}, "Client.InvalidContentType"),
        ({"Content-Type": "application/soap+xml", "SOAPAction": '""'}, "Client.InvalidContentType"),
        ({"Content-Type": "text/xml; charset=iso-8859-1", "SOAPAction": '""'}, "Client.InvalidContentType"),
        ({"Content-Type": "text/xml; charset=utf-8"}, "Client.InvalidSoap"),
    ],
    ids=["json", "soap-1.2", "latin-1", "no-soap-action"],
)
def test_http_header_faults(
    headers: dict[str, str], expected: str, http: httpx.Client, stand_in: StandIn, settings: Settings
) -> None:
    response = post(http, stand_in, request_body(settings, "19910824-00026"), headers)
    assert fault_code(response) == expected


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_only_post_is_served(method: str, http: httpx.Client, stand_in: StandIn) -> None:
    response = http.request(method, stand_in.url, headers=SOAP_HEADERS)
    assert fault_code(response) == "Client.InvalidHttpMethod"


@pytest.mark.parametrize(
    "body",
    [
        b"not xml at all",
        b"",
        b"<a><b></a>",
        b"<notAnEnvelope/>",
        b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
        b"<a>\xff</a>",
        b"<a>" * 100 + b"</a>" * 100,
        b"<a>" + b"x" * (65 * 1024) + b"</a>",
    ],
    ids=["text", "empty", "malformed", "not-soap", "xxe", "not-utf8", "deep", "oversized"],
)
def test_bodies_that_are_not_soap_are_refused(body: bytes, http: httpx.Client, stand_in: StandIn) -> None:
    assert fault_code(post(http, stand_in, body)) == "Client.InvalidSoap"


def test_good_request_gets_its_headers_echoed_with_a_request_hash(
    http: httpx.Client, stand_in: StandIn, settings: Settings
) -> None:
    body = request_body(settings, "20000213-01467")
    response = post(http, stand_in, body)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    sent_header = etree.fromstring(body).find(soap("Header"))
    echoed_header = etree.fromstring(response.content).find(soap("Header"))
    assert sent_header is not None and echoed_header is not None
    sent = [etree.tostring(field) for field in sent_header]
    echoed = [etree.tostring(field) for field in echoed_header]
    assert echoed[:-1] == sent
    request_hash = echoed_header[-1]
    assert request_hash.tag == xro("requestHash")
    assert request_hash.get("algorithmId") == "http://www.w3.org/2001/04/xmlenc#sha512"
    assert request_hash.text == base64.b64encode(hashlib.sha512(body).digest()).decode()


@pytest.mark.parametrize("unzr", [" 19910824-00026", "19910824-00027", "1991082400026", "", "ABC"])
def test_invalid_unzr_reaches_the_register_and_gets_invalid_unzr(
    unzr: str, http: httpx.Client, stand_in: StandIn, settings: Settings
) -> None:
    before = stand_in.calls().get(unzr, 0)
    response = post(http, stand_in, request_body(settings, unzr))
    assert response.status_code == 200
    code = etree.fromstring(response.content).findtext(f"{soap('Body')}/*/error/code")
    assert code == "INVALID_UNZR"
    assert stand_in.calls()[unzr] == before + 1  # counted exactly as sent


def test_missing_unzr_element_gets_invalid_unzr(
    http: httpx.Client, stand_in: StandIn, settings: Settings
) -> None:
    response = post(http, stand_in, request_body(settings, "19910824-00026", remove_unzr))
    assert etree.fromstring(response.content).findtext(f"{soap('Body')}/*/error/code") == "INVALID_UNZR"


def test_rejected_requests_count_in_the_total_only(http: httpx.Client, stand_in: StandIn) -> None:
    before_total, before_by_unzr = stand_in.total_calls(), stand_in.calls()
    post(http, stand_in, b"not xml")
    assert stand_in.total_calls() == before_total + 1
    assert stand_in.calls() == before_by_unzr


def test_test_endpoints(http: httpx.Client, stand_in: StandIn) -> None:
    assert http.get(f"{stand_in.url}_stand_in/health").status_code == 200
    calls = http.get(f"{stand_in.url}_stand_in/calls").json()
    assert set(calls) == {"total", "by_unzr"}
    assert isinstance(calls["total"], int) and isinstance(calls["by_unzr"], dict)
