"""Answer interpretation, from bytes, against the contract's "Responses" and "What is retried"."""

from __future__ import annotations

import pytest

from register.answer_parsing import interpret_answer, provider_text
from register.outcome import Empty, Failure, Found, LookupOutcome
from register.xroad import RequestHeaders, parse_client_id, parse_service_id

UNZR = "20000213-01467"
MESSAGE_ID = "6f1c2f0e-9a8b-4e43-9d6c-2b7f0d3a51c4"
SENT = RequestHeaders(
    client=parse_client_id("SEVDEIR-TEST/GOV/12345678/EHEALTH_prod"),
    service=parse_service_id("SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr/v1"),
    message_id=MESSAGE_ID,
    user_id="UA3656801869",
)
XML = "text/xml; charset=utf-8"

CLIENT_XML = """<xro:client iden:objectType="SUBSYSTEM">
      <iden:xRoadInstance>SEVDEIR-TEST</iden:xRoadInstance>
      <iden:memberClass>GOV</iden:memberClass>
      <iden:memberCode>12345678</iden:memberCode>
      <iden:subsystemCode>EHEALTH_prod</iden:subsystemCode>
    </xro:client>"""
SERVICE_XML = """<xro:service iden:objectType="SERVICE">
      <iden:xRoadInstance>SEVDEIR-TEST</iden:xRoadInstance>
      <iden:memberClass>GOV</iden:memberClass>
      <iden:memberCode>00032684</iden:memberCode>
      <iden:subsystemCode>MIA_prod</iden:subsystemCode>
      <iden:serviceCode>unzr</iden:serviceCode>
      <iden:serviceVersion>v1</iden:serviceVersion>
    </xro:service>"""
ECHO = f"""<soapenv:Header>
    {CLIENT_XML}
    {SERVICE_XML}
    <xro:id>{MESSAGE_ID}</xro:id>
    <xro:userId>UA3656801869</xro:userId>
    <xro:protocolVersion>4.0</xro:protocolVersion>
    <xro:requestHash algorithmId="http://www.w3.org/2001/04/xmlenc#sha512">AAAA</xro:requestHash>
  </soapenv:Header>"""

CONTRACT_PERSON = """<person>
      <unzr>20000213-01467</unzr>
      <rnokpp>3656801869</rnokpp>
      <last_name>ДІЯ</last_name>
      <first_name>НАДІЯ</first_name>
      <middle_name>ВОЛОДИМИРІВНА</middle_name>
      <gender>F</gender>
      <date_birth>2000-02-13</date_birth>
      <birth_place>М. СЛОВ'ЯНСЬК ДОНЕЦЬКА ОБЛАСТЬ УКРАЇНА</birth_place>
      <registration>УКРАЇНА М. КИЇВ ВУЛ. АРМСТРОНГА БУД. 11 КВ. 69</registration>
      <documents>
        <document>
          <type>ID</type>
          <number>000031886</number>
          <date_issue>2016-03-09</date_issue>
          <date_expiry>2026-03-09</date_expiry>
          <dep_issue>1455</dep_issue>
        </document>
      </documents>
    </person>"""
CONTRACT_RECORD = {
    "unzr": "20000213-01467",
    "rnokpp": "3656801869",
    "last_name": "ДІЯ",
    "first_name": "НАДІЯ",
    "middle_name": "ВОЛОДИМИРІВНА",
    "gender": "F",
    "date_birth": "2000-02-13",
    "birth_place": "М. СЛОВ'ЯНСЬК ДОНЕЦЬКА ОБЛАСТЬ УКРАЇНА",
    "registration": "УКРАЇНА М. КИЇВ ВУЛ. АРМСТРОНГА БУД. 11 КВ. 69",
    "documents": [
        {
            "type": "ID",
            "number": "000031886",
            "date_issue": "2016-03-09",
            "date_expiry": "2026-03-09",
            "dep_issue": "1455",
        }
    ],
}


def answer(body: str, header: str = ECHO) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"
    xmlns:xro="http://x-road.eu/xsd/xroad.xsd" xmlns:iden="http://x-road.eu/xsd/identifiers"
    xmlns:eis="urn:mvs-eis:unzr:v1">
  {header}
  <soapenv:Body>{body}</soapenv:Body>
</soapenv:Envelope>""".encode()


def fault(code: str, string: str = "Request is not allowed") -> bytes:
    return f"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
  <soapenv:Body><soapenv:Fault><faultcode>{code}</faultcode><faultstring>{string}</faultstring>
  <detail><faultDetail xmlns="">2b1e0a7c-7d0f-4d7e-9a54-0c1d2e3f4a5b</faultDetail></detail>
  </soapenv:Fault></soapenv:Body></soapenv:Envelope>""".encode()


def found(person: str = CONTRACT_PERSON) -> bytes:
    return answer(f"<eis:unzrResponse><result>FOUND</result>{person}</eis:unzrResponse>")


def interpret(body: bytes, status: int = 200, content_type: str | None = XML) -> LookupOutcome:
    return interpret_answer(
        status=status, content_type=content_type, body=body, sent=SENT, unzr=UNZR, max_depth=64
    )


def assert_failure(outcome: LookupOutcome, kind: str, code: str) -> Failure:
    assert isinstance(outcome, Failure), outcome
    assert (outcome.kind, outcome.code) == (kind, code), outcome
    assert outcome.message_id == MESSAGE_ID
    assert outcome.message
    return outcome


# --- success


def test_contract_found_example_becomes_the_record() -> None:
    outcome = interpret(found())
    assert outcome == Found(person=CONTRACT_RECORD, message_id=MESSAGE_ID)


def test_not_found_is_empty() -> None:
    assert interpret(answer("<eis:unzrResponse><result>NOT_FOUND</result></eis:unzrResponse>")) == Empty(
        MESSAGE_ID
    )


def test_found_without_person_is_empty() -> None:
    assert interpret(answer("<eis:unzrResponse><result>FOUND</result></eis:unzrResponse>")) == Empty(
        MESSAGE_ID
    )


def test_unknown_elements_are_kept() -> None:
    person = CONTRACT_PERSON.replace(
        "<documents>",
        "<citizenship>УКРАЇНА</citizenship>"
        "<address><city>КИЇВ</city><street><name>ХРЕЩАТИК</name></street></address>"
        "<alias>А</alias><alias>Б</alias><empty/><documents>",
    )
    outcome = interpret(found(person))
    assert isinstance(outcome, Found)
    assert outcome.person["citizenship"] == "УКРАЇНА"
    assert outcome.person["address"] == {"city": "КИЇВ", "street": {"name": "ХРЕЩАТИК"}}
    assert outcome.person["alias"] == ["А", "Б"]
    assert outcome.person["empty"] == ""
    assert outcome.person["documents"] == CONTRACT_RECORD["documents"]


def test_documents_are_always_a_list() -> None:
    none = interpret(
        found(
            CONTRACT_PERSON.replace(
                CONTRACT_PERSON[CONTRACT_PERSON.index("<documents>") :], "<documents/></person>"
            )
        )
    )
    assert isinstance(none, Found) and none.person["documents"] == []
    two = CONTRACT_PERSON.replace(
        "</documents>", "<document><type>P</type><number>СН123456</number></document></documents>"
    )
    outcome = interpret(found(two))
    assert isinstance(outcome, Found)
    assert [d["type"] for d in outcome.person["documents"]] == ["ID", "P"]
    assert "date_expiry" not in outcome.person["documents"][1]


def test_optional_fields_may_be_absent() -> None:
    person = (
        "<person><unzr>20000213-01467</unzr><last_name>ДІЯ</last_name><first_name>НАДІЯ</first_name></person>"
    )
    outcome = interpret(found(person))
    assert isinstance(outcome, Found)
    assert outcome.person == {"unzr": UNZR, "last_name": "ДІЯ", "first_name": "НАДІЯ"}


def test_a_record_about_another_unzr_is_refused() -> None:
    outcome = interpret(
        found(CONTRACT_PERSON.replace("<unzr>20000213-01467</unzr>", "<unzr>19910824-00026</unzr>"))
    )
    failure = assert_failure(outcome, "permanent", "PersonMismatch")
    assert "19910824" not in failure.message


# --- application errors


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("INVALID_UNZR", "permanent"),
        ("REGISTER_UNAVAILABLE", "transient"),
        ("INTERNAL_ERROR", "transient"),
        ("SOMETHING_NEW", "transient"),
    ],
)
def test_application_errors(code: str, kind: str) -> None:
    body = f"<eis:unzrResponse><result>ERROR</result><error><code>{code}</code><message>m</message></error></eis:unzrResponse>"
    assert_failure(interpret(answer(body)), kind, code)


# --- faults


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("Server.ServerProxy.AccessDenied", "permanent"),
        ("server.serverproxy.access_denied", "permanent"),
        ("Server.ServerProxy.UnknownMember", "permanent"),
        ("Server.ServerProxy.UnknownService", "permanent"),
        ("Server.ServerProxy.ServiceDisabled", "permanent"),
        ("Server.ServerProxy.InvalidProtocolVersion", "permanent"),
        ("Server.ClientProxy.MissingHeaderField", "permanent"),
        ("Server.ClientProxy.SslAuthenticationFailed", "permanent"),
        ("Client.InvalidSoap", "permanent"),
        ("client.anything_at_all", "permanent"),
        ("Client", "permanent"),
        ("soapenv:Client", "permanent"),
        ("soapenv:Client.BadRequest", "permanent"),
        ("Server.ClientProxy.NetworkError", "transient"),
        ("server.clientproxy.network_error", "transient"),
        ("Server.ServerProxy.IOError", "transient"),
        ("Server.ServerProxy.ServiceFailed", "transient"),
        ("Server.ServerProxy.ServiceFailed.Timeout", "transient"),
        ("Server.ClientProxy.OutdatedGlobalConf", "transient"),
        ("Server.ClientProxy.InconsistentResponse", "transient"),
        ("Server.ServerProxy.SomethingNobodyKnows", "transient"),
        ("soapenv:Server", "transient"),
        ("Server", "transient"),
    ],
)
@pytest.mark.parametrize("status", [200, 500])
def test_fault_codes_follow_the_retry_table(code: str, kind: str, status: int) -> None:
    assert_failure(interpret(fault(code), status=status), kind, code)


def test_fault_is_read_whatever_the_status() -> None:
    assert_failure(
        interpret(fault("Server.ServerProxy.ServiceFailed"), status=400),
        "transient",
        "Server.ServerProxy.ServiceFailed",
    )
    assert_failure(
        interpret(fault("Server.ServerProxy.AccessDenied"), status=503),
        "permanent",
        "Server.ServerProxy.AccessDenied",
    )


def test_fault_without_code_is_transient() -> None:
    assert_failure(interpret(fault("")), "transient", "UnknownFault")


def test_fault_string_is_scrubbed_and_truncated() -> None:
    outcome = interpret(
        fault("Server.ServerProxy.ServiceFailed", f"failed for {UNZR} and 3656801869 " + "x" * 500)
    )
    failure = assert_failure(outcome, "transient", "Server.ServerProxy.ServiceFailed")
    assert UNZR not in failure.message and "3656801869" not in failure.message
    assert len(failure.message) <= 200


# --- HTTP and non-SOAP bodies


@pytest.mark.parametrize(
    ("status", "content_type", "body", "kind", "code"),
    [
        (503, None, b"", "transient", "HTTP_503"),
        (504, "text/plain", b"", "transient", "HTTP_504"),
        (502, "text/html", b"<!DOCTYPE html><html><body>Bad Gateway</body></html>", "transient", "HTTP_502"),
        (502, XML, b"<!DOCTYPE html><html><body>Bad Gateway</body></html>", "transient", "HTTP_502"),
        (500, XML, b"<soapenv:Envelope>", "transient", "HTTP_500"),
        (500, XML, b"<notsoap/>", "transient", "HTTP_500"),
        (200, "text/html", b"<html><body>sign in</body></html>", "transient", "NotXml"),
        (200, XML, b"Service Unavailable", "transient", "NotXml"),
        (200, XML, b"", "transient", "NotXml"),
        (200, "application/json", b'{"a": 1}', "transient", "NotXml"),
        (400, "text/plain", b"Bad Request", "permanent", "HTTP_400"),
        (404, XML, b"", "permanent", "HTTP_404"),
        (302, None, b"", "permanent", "HTTP_302"),
        (200, XML, b"<a><b></a>", "permanent", "MalformedAnswer"),
        (200, XML, b"<notsoap/>", "permanent", "MalformedAnswer"),
    ],
)
def test_http_statuses_and_bodies(
    status: int, content_type: str | None, body: bytes, kind: str, code: str
) -> None:
    assert_failure(interpret(body, status=status, content_type=content_type), kind, code)


def test_a_normal_answer_with_an_error_status_is_an_http_failure() -> None:
    assert_failure(interpret(found(), status=500), "transient", "HTTP_500")
    assert_failure(interpret(found(), status=403), "permanent", "HTTP_403")


@pytest.mark.parametrize("status", [200, 500])
def test_hostile_xml_is_permanent_whatever_the_status(status: int) -> None:
    xxe = found().replace(b"?>", b'?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1)
    assert_failure(interpret(xxe, status=status), "permanent", "DtdRefused")
    deep = found(CONTRACT_PERSON.replace("<gender>", "<x>" * 100 + "</x>" * 100 + "<gender>"))
    assert_failure(interpret(deep, status=status), "permanent", "TooDeep")
    assert_failure(
        interpret(found().replace("ДІЯ".encode(), b"\xff"), status=status), "permanent", "InvalidUtf8"
    )


@pytest.mark.parametrize(
    "body",
    [
        "<eis:unzrResponse><result>MAYBE</result></eis:unzrResponse>",
        "<eis:unzrResponse/>",
        "<eis:otherResponse><result>FOUND</result></eis:otherResponse>",
        "<unzrResponse><result>FOUND</result></unzrResponse>",
        "<eis:unzrResponse><result>NOT_FOUND</result></eis:unzrResponse><eis:unzrResponse/>",
        "<eis:unzrResponse><result>FOUND</result><result>FOUND</result></eis:unzrResponse>",
    ],
)
def test_answers_that_break_the_body_shape_are_malformed(body: str) -> None:
    assert_failure(interpret(answer(body)), "permanent", "MalformedAnswer")


# --- echo check


@pytest.mark.parametrize(
    ("original", "replacement"),
    [
        (f"<xro:id>{MESSAGE_ID}</xro:id>", "<xro:id>00000000-0000-4000-8000-000000000000</xro:id>"),
        (f"<xro:id>{MESSAGE_ID}</xro:id>", ""),
        (f"<xro:id>{MESSAGE_ID}</xro:id>", f"<xro:id>{MESSAGE_ID}</xro:id><xro:id>{MESSAGE_ID}</xro:id>"),
        ("<iden:memberCode>12345678</iden:memberCode>", "<iden:memberCode>87654321</iden:memberCode>"),
        ('<xro:client iden:objectType="SUBSYSTEM">', '<xro:client iden:objectType="MEMBER">'),
        ("<iden:serviceVersion>v1</iden:serviceVersion>", ""),
        ("<iden:serviceCode>unzr</iden:serviceCode>", "<iden:serviceCode>other</iden:serviceCode>"),
        (CLIENT_XML, ""),
        (SERVICE_XML, ""),
    ],
)
def test_echo_mismatch_is_an_inconsistent_response(original: str, replacement: str) -> None:
    assert original in ECHO
    outcome = interpret(
        answer(
            "<eis:unzrResponse><result>NOT_FOUND</result></eis:unzrResponse>",
            ECHO.replace(original, replacement),
        )
    )
    assert_failure(outcome, "transient", "InconsistentResponse")


def test_missing_header_is_an_inconsistent_response() -> None:
    outcome = interpret(answer("<eis:unzrResponse><result>NOT_FOUND</result></eis:unzrResponse>", header=""))
    assert_failure(outcome, "transient", "InconsistentResponse")


# --- provider text


def test_provider_text_is_one_short_line_without_personal_numbers() -> None:
    text = provider_text(
        f"no person\nwith unzr {UNZR} or 2000021301467,\x00 rnokpp 3656801869; member 00032684"
    )
    assert text == "no person with unzr [UNZR] or [UNZR], rnokpp …; member 00032684"
    assert len(provider_text("я" * 1000)) == 200
