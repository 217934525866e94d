"""Turning one HTTP answer of the register into a LookupOutcome.

Order of checks, as the contract asks:

1. a `multipart/related` answer (SOAP with attachments, MTOM) is replaced by its root part, with the
   root part's own Content-Type, and the checks below apply to it alone (register/multipart.py);
   one that cannot be split is `MalformedAnswer` (on 2xx; else by HTTP status);
2. an XML answer (by its media type, or one without any) that is not UTF-8: a charset other than
   UTF-8 in Content-Type, a UTF-16/32 byte-order mark, zero bytes, another declared encoding, or
   bytes that do not decode: refused as permanent (`InvalidUtf8`) before any parser sees it;
3. a body that is not XML (a proxy's HTML page, an empty body): by HTTP status (`NotXml` on 2xx);
4. hardened parsing (safe_xml): DTDs, deep nesting, bad UTF-8 are permanent refusals whatever the
   status; a body that is not well-formed falls back to the HTTP status on 4xx/5xx;
5. a SOAP Fault, whatever the HTTP status, classified by the retry table;
6. any other non-2xx status (`HTTP_<status>`);
7. the echo check of `id`, `client`, `service` (`InconsistentResponse`, transient);
8. the `<eis:{serviceCode}Response>`: FOUND, NOT_FOUND or ERROR.

A failure's message is static text, or the provider's text with UNZR-like strings and long digit runs
redacted, cut to 200 characters (codes to 100). The provider's text is third-party text all the same
(a name or a passport number passes the redaction): it goes only to `last_error` and encrypted
payloads, and plaintext places get its code's label (register/fault_codes.py).
"""

from __future__ import annotations

import re

from lxml import etree

from register.multipart import MultipartRefused, is_multipart_related, root_part
from register.outcome import Empty, Failure, FailureKind, Found, LookupOutcome
from register.person_record import person_from_xml
from register.retry_table import application_error_kind, fault_kind, http_status_kind
from register.safe_xml import XmlRefused, parse_untrusted_xml, require_utf8
from register.xroad import RequestHeaders, eis, read_client_id, read_service_id, soap, xro

PROVIDER_TEXT_LIMIT = 200
PROVIDER_CODE_LIMIT = 100
_XML_MEDIA_TYPES = frozenset({"text/xml", "application/xml", "application/soap+xml"})
_UTF8_BOM = b"\xef\xbb\xbf"
_UNZR_LIKE = re.compile(r"[0-9]{8}-?[0-9]{5}")
_LONG_DIGITS = re.compile(r"[0-9]{9,}")  # taxpayer and document numbers; 8-digit member codes stay
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


class _Malformed(Exception):
    """The answer is XML but not the answer the contract describes; the message is static text."""


def interpret_answer(
    *,
    status: int,
    content_type: str | None,
    body: bytes,
    sent: RequestHeaders,
    unzr: str,
    max_depth: int,
) -> LookupOutcome:
    """The outcome of the answer to the request with headers `sent` for `unzr`."""
    message_id = sent.message_id
    success = 200 <= status < 300

    def failure(kind: FailureKind, code: str, message: str) -> Failure:
        return Failure(kind=kind, code=code, message=message, message_id=message_id)

    def http_failure() -> Failure:
        return failure(http_status_kind(status), f"HTTP_{status}", f"the register answered HTTP {status}")

    if is_multipart_related(content_type):
        assert content_type is not None
        try:
            root = root_part(content_type, body)
        except MultipartRefused as refused:
            if not success:
                return http_failure()
            return failure("permanent", "MalformedAnswer", f"answer refused: {refused}")
        content_type, body = root.content_type, root.body
    if body and _xml_or_untyped(content_type):
        try:
            _require_utf8_charset(content_type)
            require_utf8(body)
        except XmlRefused as refused:
            return failure("permanent", refused.code, f"answer refused: {refused.reason}")
    if not _looks_like_xml(content_type, body):
        if success:
            return failure("transient", "NotXml", f"the answer to HTTP {status} is not XML")
        return http_failure()
    try:
        envelope = parse_untrusted_xml(body, max_depth=max_depth)
    except XmlRefused as refused:
        if refused.code != "MalformedXml":
            return failure("permanent", refused.code, f"answer refused: {refused.reason}")
        if not success:
            return http_failure()
        return failure("permanent", "MalformedAnswer", f"answer refused: {refused.reason}")

    try:
        soap_body = _soap_body(envelope)
        if soap_body is None:
            if not success:
                return http_failure()
            raise _Malformed("the answer is not a SOAP envelope with one Body")
        fault = _only_child(soap_body, soap("Fault"))
        if fault is not None:
            return _fault_failure(fault, message_id)
        if not success:
            return http_failure()
        mismatch = _echo_mismatch(envelope, sent)
        if mismatch is not None:
            return failure("transient", "InconsistentResponse", mismatch)
        return _read_response(soap_body, sent, unzr)
    except _Malformed as malformed:
        return failure("permanent", "MalformedAnswer", str(malformed))


def provider_text(text: str | None, limit: int = PROVIDER_TEXT_LIMIT) -> str:
    """Text the provider wrote as one line, UNZR-like strings and long numbers blanked, at most `limit`
    characters. Not safe to log: it may still hold a name or a document number."""
    cleaned = " ".join(_CONTROL.sub(" ", text or "").split())
    cleaned = _LONG_DIGITS.sub("…", _UNZR_LIKE.sub("[UNZR]", cleaned))
    return cleaned if len(cleaned) <= limit else cleaned[: limit - 1] + "…"


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _xml_or_untyped(content_type: str | None) -> bool:
    media_type = _media_type(content_type)
    return not media_type or media_type in _XML_MEDIA_TYPES or media_type.endswith("+xml")


def _require_utf8_charset(content_type: str | None) -> None:
    for parameter in (content_type or "").split(";")[1:]:
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset":
            charset = value.strip().strip('"').strip().lower()
            if charset not in ("utf-8", "utf8"):
                raise XmlRefused("InvalidUtf8", "the answer's Content-Type names a charset other than UTF-8")


def _looks_like_xml(content_type: str | None, body: bytes) -> bool:
    if not _xml_or_untyped(content_type):
        return False
    start = body.removeprefix(_UTF8_BOM).lstrip()[:32].lower()
    return start.startswith(b"<") and not start.startswith((b"<!doctype html", b"<html"))


def _soap_body(root: etree._Element) -> etree._Element | None:
    if root.tag != soap("Envelope"):
        return None
    bodies = root.findall(soap("Body"))
    return bodies[0] if len(bodies) == 1 else None


def _only_child(parent: etree._Element, tag: str) -> etree._Element | None:
    found = parent.findall(tag)
    if len(found) > 1:
        raise _Malformed(f"the answer holds more than one <{etree.QName(tag).localname}>")
    return found[0] if found else None


def _fault_failure(fault: etree._Element, message_id: str) -> Failure:
    code_element = _only_child(fault, "faultcode")
    code = provider_text(code_element.text if code_element is not None else None, PROVIDER_CODE_LIMIT)
    string_element = _only_child(fault, "faultstring")
    message = provider_text(string_element.text if string_element is not None else None)
    if not code:
        return Failure("transient", "UnknownFault", message or "a SOAP fault without faultcode", message_id)
    return Failure(fault_kind(code), code, message or "a SOAP fault without faultstring", message_id)


def _echo_mismatch(root: etree._Element, sent: RequestHeaders) -> str | None:
    header = root.find(soap("Header"))
    if header is None:
        return "the answer echoes no X-Road header"
    ids = header.findall(xro("id"))
    if len(ids) != 1 or ids[0].text != sent.message_id:
        return "the echoed message id differs from the one sent"
    clients = header.findall(xro("client"))
    if len(clients) != 1 or read_client_id(clients[0]) != sent.client:
        return "the echoed client differs from the one sent"
    services = header.findall(xro("service"))
    if len(services) != 1 or read_service_id(services[0]) != sent.service:
        return "the echoed service differs from the one sent"
    return None


def _read_response(soap_body: etree._Element, sent: RequestHeaders, unzr: str) -> LookupOutcome:
    message_id = sent.message_id
    expected = eis(f"{sent.service.service_code}Response")
    children = [child for child in soap_body if isinstance(child.tag, str)]
    if len(children) != 1 or children[0].tag != expected:
        raise _Malformed(f"the Body does not hold exactly one eis:{sent.service.service_code}Response")
    response = children[0]
    result_element = _only_child(response, "result")
    result = (result_element.text or "").strip() if result_element is not None else ""
    if result == "NOT_FOUND":
        return Empty(message_id=message_id)
    if result == "FOUND":
        person_element = _only_child(response, "person")
        if person_element is None:
            return Empty(message_id=message_id)
        person = person_from_xml(person_element)
        # `unzr` is a required element of the person: a record that does not name the UNZR asked
        # (another one, or none at all) cannot be stored as that person's.
        if person.get("unzr") != unzr:
            return Failure(
                "permanent",
                "PersonMismatch",
                "the answer's person is not the one with the UNZR asked",
                message_id,
            )
        return Found(person=person, message_id=message_id)
    if result == "ERROR":
        error = _only_child(response, "error")
        code_element = _only_child(error, "code") if error is not None else None
        message_element = _only_child(error, "message") if error is not None else None
        code = provider_text(code_element.text if code_element is not None else None, PROVIDER_CODE_LIMIT)
        message = provider_text(message_element.text if message_element is not None else None)
        code = code or "ERROR"
        return Failure(application_error_kind(code), code, message or "application error", message_id)
    raise _Malformed("the answer's <result> is none of FOUND, NOT_FOUND, ERROR")
