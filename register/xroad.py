"""X-Road 4.0 identifiers and the SOAP request envelope of the EIS MVS `unzr` service.

The shape follows the register's wire contract (docs/register-contract.md, "Request"): header order
client, service, id, userId, issue, protocolVersion; a body wrapper named after the serviceCode whose
one unqualified child `<unzr>` carries the UNZR exactly as given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
XROAD_NS = "http://x-road.eu/xsd/xroad.xsd"
IDENTIFIERS_NS = "http://x-road.eu/xsd/identifiers"
EIS_NS = "urn:mvs-eis:unzr:v1"
PROTOCOL_VERSION = "4.0"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'

NSMAP = {"soapenv": SOAP_ENV_NS, "xro": XROAD_NS, "iden": IDENTIFIERS_NS, "eis": EIS_NS}

# Same alphabet as the settings check; repeated here because identifiers are also parsed from answers.
_PART = re.compile(r"[A-Za-z0-9_'()+,\-.=?]+")


def soap(local: str) -> str:
    return f"{{{SOAP_ENV_NS}}}{local}"


def xro(local: str) -> str:
    return f"{{{XROAD_NS}}}{local}"


def iden(local: str) -> str:
    return f"{{{IDENTIFIERS_NS}}}{local}"


def eis(local: str) -> str:
    return f"{{{EIS_NS}}}{local}"


OBJECT_TYPE = iden("objectType")


class InvalidIdentifier(ValueError):
    """An X-Road identifier in path notation is malformed."""


@dataclass(frozen=True, slots=True)
class ClientId:
    """A calling subsystem: `instance/memberClass/memberCode/subsystemCode`."""

    x_road_instance: str
    member_class: str
    member_code: str
    subsystem_code: str

    def path(self) -> str:
        return "/".join((self.x_road_instance, self.member_class, self.member_code, self.subsystem_code))


@dataclass(frozen=True, slots=True)
class ServiceId:
    """A provider's service: `instance/memberClass/memberCode/subsystemCode/serviceCode[/serviceVersion]`."""

    x_road_instance: str
    member_class: str
    member_code: str
    subsystem_code: str
    service_code: str
    service_version: str | None = None

    def path(self) -> str:
        parts = [self.x_road_instance, self.member_class, self.member_code, self.subsystem_code]
        parts.append(self.service_code)
        if self.service_version is not None:
            parts.append(self.service_version)
        return "/".join(parts)


def _split(value: str, *, minimum: int, maximum: int, what: str) -> list[str]:
    parts = value.split("/")
    if not minimum <= len(parts) <= maximum:
        raise InvalidIdentifier(f"{what} must have {minimum} to {maximum} parts separated by '/'")
    for part in parts:
        if not _PART.fullmatch(part):
            raise InvalidIdentifier(f"{what} parts may use only letters, digits, _ and ' ( ) + , - . = ?")
    return parts


def parse_client_id(value: str) -> ClientId:
    """Parse `SEVDEIR-TEST/GOV/12345678/EHEALTH_prod` (objectType SUBSYSTEM)."""
    instance, member_class, member_code, subsystem = _split(value, minimum=4, maximum=4, what="client")
    return ClientId(instance, member_class, member_code, subsystem)


def parse_service_id(value: str) -> ServiceId:
    """Parse `SEVDEIR-TEST/GOV/00032684/MIA_prod/unzr[/v1]` (objectType SERVICE)."""
    return _service_from_parts(_split(value, minimum=5, maximum=6, what="service"))


def _service_from_parts(parts: list[str]) -> ServiceId:
    version = parts[5] if len(parts) == 6 else None
    return ServiceId(parts[0], parts[1], parts[2], parts[3], parts[4], service_version=version)


_CLIENT_FIELDS = ("xRoadInstance", "memberClass", "memberCode", "subsystemCode")
_SERVICE_FIELDS = (*_CLIENT_FIELDS, "serviceCode", "serviceVersion")


def _identifier_fields(identifier: ClientId | ServiceId) -> list[tuple[str, str]]:
    values = [identifier.x_road_instance, identifier.member_class, identifier.member_code]
    values.append(identifier.subsystem_code)
    if isinstance(identifier, ServiceId):
        values.append(identifier.service_code)
        if identifier.service_version is not None:
            values.append(identifier.service_version)
    names = _SERVICE_FIELDS if isinstance(identifier, ServiceId) else _CLIENT_FIELDS
    return list(zip(names, values, strict=False))


def append_identifier(parent: etree._Element, tag: str, identifier: ClientId | ServiceId) -> etree._Element:
    """Append `<xro:client>` or `<xro:service>` with its `iden:` parts in the protocol's order."""
    element = etree.SubElement(parent, tag)
    element.set(OBJECT_TYPE, "SERVICE" if isinstance(identifier, ServiceId) else "SUBSYSTEM")
    for name, value in _identifier_fields(identifier):
        etree.SubElement(element, iden(name)).text = value
    return element


def read_client_id(element: etree._Element) -> ClientId | None:
    """The client identifier an `<xro:client>` element holds, or None if it is not a well-formed one."""
    parts = _read_identifier(element, "SUBSYSTEM", _CLIENT_FIELDS)
    if parts is None or len(parts) != len(_CLIENT_FIELDS):
        return None
    return ClientId(parts[0], parts[1], parts[2], parts[3])


def read_service_id(element: etree._Element) -> ServiceId | None:
    """The service identifier an `<xro:service>` element holds, or None if it is not a well-formed one."""
    parts = _read_identifier(element, "SERVICE", _SERVICE_FIELDS)
    if parts is None or len(parts) < len(_SERVICE_FIELDS) - 1:
        return None
    return _service_from_parts(parts)


def _read_identifier(element: etree._Element, object_type: str, names: tuple[str, ...]) -> list[str] | None:
    """The identifier's parts in order, or None if the type, an element name or a value is wrong; only
    trailing parts may be missing, and the caller decides how many."""
    if element.get(OBJECT_TYPE) != object_type:
        return None
    children = [child for child in element if isinstance(child.tag, str)]
    if len(children) > len(names):
        return None
    values = []
    for child, name in zip(children, names, strict=False):
        if child.tag != iden(name) or len(child) or not child.text or not _PART.fullmatch(child.text):
            return None
        values.append(child.text)
    return values


@dataclass(frozen=True, slots=True)
class RequestHeaders:
    """The X-Road headers of one message. `issue` must never hold personal data."""

    client: ClientId
    service: ServiceId
    message_id: str
    user_id: str | None = None
    issue: str | None = None


def build_request(headers: RequestHeaders, unzr: str) -> bytes:
    """The UTF-8 SOAP envelope asking the service for `unzr`, which goes out unchanged."""
    envelope = etree.Element(soap("Envelope"), nsmap=NSMAP)
    header = etree.SubElement(envelope, soap("Header"))
    append_identifier(header, xro("client"), headers.client)
    append_identifier(header, xro("service"), headers.service)
    etree.SubElement(header, xro("id")).text = headers.message_id
    if headers.user_id is not None:
        etree.SubElement(header, xro("userId")).text = headers.user_id
    if headers.issue is not None:
        etree.SubElement(header, xro("issue")).text = headers.issue
    etree.SubElement(header, xro("protocolVersion")).text = PROTOCOL_VERSION
    body = etree.SubElement(envelope, soap("Body"))
    wrapper = etree.SubElement(body, eis(headers.service.service_code))
    # Unqualified, as in the contract: no default namespace is declared, so `unzr` is in no namespace.
    etree.SubElement(wrapper, "unzr").text = unzr
    return XML_DECLARATION + etree.tostring(envelope, encoding="UTF-8")
