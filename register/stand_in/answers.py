"""The stand-in's well-formed SOAP answers: echoed X-Road headers, FOUND / NOT_FOUND / ERROR bodies,
and SOAP faults, each as UTF-8 bytes."""

from __future__ import annotations

import base64
import copy
import hashlib
import uuid
from collections.abc import Mapping
from enum import Enum
from typing import Any

from lxml import etree

from register.person_record import append_person
from register.xroad import NSMAP, XML_DECLARATION, eis, iden, soap, xro

REQUEST_HASH_ALGORITHM = "http://www.w3.org/2001/04/xmlenc#sha512"
CONTENT_TYPE = "text/xml; charset=utf-8"


class Echo(Enum):
    """How the answer echoes the request's X-Road header; anything but FAITHFUL breaks the contract."""

    FAITHFUL = "faithful"
    WRONG_ID = "wrong_id"
    WRONG_CLIENT = "wrong_client"
    WRONG_SERVICE = "wrong_service"
    NONE = "none"


def echoed_header(request_header: etree._Element, request_body: bytes, echo: Echo) -> etree._Element | None:
    """The request's header fields in their order, plus `xro:requestHash` of the request's bytes."""
    if echo is Echo.NONE:
        return None
    header = etree.Element(soap("Header"), nsmap=NSMAP)
    for field in request_header:
        if isinstance(field.tag, str):
            header.append(copy.deepcopy(field))
    if echo is Echo.WRONG_ID:
        _set_text(header, xro("id"), str(uuid.uuid4()))
    elif echo is Echo.WRONG_CLIENT:
        _set_text(header, f"{xro('client')}/{iden('memberCode')}", "99999999")
    elif echo is Echo.WRONG_SERVICE:
        _set_text(header, f"{xro('service')}/{iden('subsystemCode')}", "OTHER_prod")
    request_hash = etree.SubElement(header, xro("requestHash"))
    request_hash.set("algorithmId", REQUEST_HASH_ALGORITHM)
    request_hash.text = base64.b64encode(hashlib.sha512(request_body).digest()).decode("ascii")
    return header


def _set_text(header: etree._Element, path: str, text: str) -> None:
    element = header.find(path)
    if element is not None:
        element.text = text


def envelope(header: etree._Element | None, content: etree._Element) -> bytes:
    root = etree.Element(soap("Envelope"), nsmap=NSMAP)
    if header is not None:
        root.append(header)
    etree.SubElement(root, soap("Body")).append(content)
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")


def _response(service_code: str, result: str) -> etree._Element:
    response = etree.Element(eis(f"{service_code}Response"), nsmap=NSMAP)
    etree.SubElement(response, "result").text = result
    return response


def found(service_code: str, person: Mapping[str, Any] | None) -> etree._Element:
    """`FOUND` with the person, or without any when `person` is None."""
    response = _response(service_code, "FOUND")
    if person is not None:
        append_person(response, person)
    return response


def not_found(service_code: str) -> etree._Element:
    return _response(service_code, "NOT_FOUND")


def unknown_result(service_code: str) -> etree._Element:
    return _response(service_code, "MAYBE")


def wrong_body() -> etree._Element:
    """A body that answers some other service."""
    return _response("somethingElse", "FOUND")


APPLICATION_ERROR_MESSAGES = {
    "INVALID_UNZR": "unzr does not match the register format",
    "REGISTER_UNAVAILABLE": "the register is temporarily unavailable",
    "INTERNAL_ERROR": "internal error of the register",
}


def application_error(service_code: str, code: str, message: str | None = None) -> etree._Element:
    response = _response(service_code, "ERROR")
    error = etree.SubElement(response, "error")
    etree.SubElement(error, "code").text = code
    etree.SubElement(error, "message").text = message or APPLICATION_ERROR_MESSAGES.get(
        code, "unexpected error"
    )
    return response


def fault(code: str, message: str) -> bytes:
    """A SOAP fault as a security server writes it: no X-Road header, a detail with its own id."""
    root = etree.Element(soap("Envelope"), nsmap={"soapenv": NSMAP["soapenv"]})
    element = etree.SubElement(etree.SubElement(root, soap("Body")), soap("Fault"))
    etree.SubElement(element, "faultcode").text = code
    etree.SubElement(element, "faultstring").text = message
    detail = etree.SubElement(etree.SubElement(element, "detail"), "faultDetail")
    detail.text = str(uuid.uuid4())
    return XML_DECLARATION + etree.tostring(root, encoding="UTF-8")
