"""The checks a security server makes before a request reaches the register: HTTP method and content
type, SOAP shape, X-Road header fields, protocol version, service and client. Each failed check is the
matching `Client.*` / `Server.*` fault."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lxml import etree

from register.safe_xml import XmlRefused, parse_untrusted_xml
from register.stand_in.options import StandInOptions
from register.xroad import (
    PROTOCOL_VERSION,
    ClientId,
    ServiceId,
    eis,
    parse_client_id,
    parse_service_id,
    read_client_id,
    read_service_id,
    soap,
    xro,
)

MAX_REQUEST_BYTES = 64 * 1024
MAX_REQUEST_DEPTH = 16
REQUIRED_FIELDS = ("client", "service", "id", "protocolVersion")


@dataclass(frozen=True, slots=True)
class Rejection:
    """The request does not reach the register; the security server answers this fault."""

    fault_code: str
    fault_string: str


@dataclass(frozen=True, slots=True)
class CheckedRequest:
    """A request the register gets. `unzr` is the `<unzr>` text exactly as sent (None if absent);
    `body` the request's bytes, which the answer's requestHash covers."""

    body: bytes
    header: etree._Element
    client: ClientId
    service: ServiceId
    message_id: str
    unzr: str | None


def check_request(
    method: str, headers: Mapping[str, str], body: bytes | None, options: StandInOptions
) -> CheckedRequest | Rejection:
    """`body` None means larger than MAX_REQUEST_BYTES."""
    if method != "POST":
        return Rejection("Client.InvalidHttpMethod", f"HTTP method {method} is not supported, use POST")
    content_type = headers.get("content-type", "")
    media_type, _, parameters = content_type.partition(";")
    charset = (
        parameters.strip().lower().removeprefix("charset=").strip('"') if parameters.strip() else "utf-8"
    )
    if media_type.strip().lower() != "text/xml" or charset not in ("utf-8", "utf8"):
        return Rejection("Client.InvalidContentType", "content type must be text/xml; charset=utf-8")
    if "soapaction" not in headers:
        return Rejection("Client.InvalidSoap", "SOAP 1.1 request without a SOAPAction header")
    if body is None:
        return Rejection("Client.InvalidSoap", f"request larger than {MAX_REQUEST_BYTES} bytes")
    try:
        root = parse_untrusted_xml(body, max_depth=MAX_REQUEST_DEPTH)
    except XmlRefused as refused:
        return Rejection("Client.InvalidSoap", f"malformed SOAP message: {refused.reason}")
    if root.tag != soap("Envelope"):
        return Rejection("Client.InvalidSoap", "the message is not a SOAP 1.1 envelope")
    header = root.find(soap("Header"))
    soap_bodies = root.findall(soap("Body"))
    if len(soap_bodies) != 1:
        return Rejection("Client.InvalidSoap", "the envelope must have exactly one Body")
    if header is None:
        return Rejection("Server.ClientProxy.MissingHeaderField", "the message has no header")
    fields: dict[str, list[etree._Element]] = {}
    for field in header:
        if isinstance(field.tag, str):
            fields.setdefault(field.tag, []).append(field)
    for name in REQUIRED_FIELDS:
        found = fields.get(xro(name), [])
        if not found:
            return Rejection("Server.ClientProxy.MissingHeaderField", f"required field '{name}' is missing")
        if len(found) > 1:
            return Rejection("Client.DuplicateHeaderField", f"field '{name}' occurs more than once")
    if xro("requestHash") in fields:
        return Rejection("Client.InvalidSoap", "a client must not send requestHash")
    if (fields[xro("protocolVersion")][0].text or "").strip() != PROTOCOL_VERSION:
        return Rejection("Client.InvalidProtocolVersion", f"protocol version must be {PROTOCOL_VERSION}")
    message_id = fields[xro("id")][0].text or ""
    if not message_id.strip():
        return Rejection("Server.ClientProxy.MissingHeaderField", "required field 'id' is empty")
    client = read_client_id(fields[xro("client")][0])
    if client is None:
        return Rejection("Client.InvalidClientIdentifier", "client is not a SUBSYSTEM identifier")
    service = read_service_id(fields[xro("service")][0])
    if service is None:
        return Rejection("Client.InvalidServiceIdentifier", "service is not a SERVICE identifier")
    if service != parse_service_id(options.service):
        return Rejection("Server.ServerProxy.UnknownService", f"unknown service: SERVICE:{service.path()}")
    if client not in {parse_client_id(allowed) for allowed in options.clients}:
        return Rejection(
            "Server.ServerProxy.AccessDenied", f"Request is not allowed: SERVICE:{service.path()}"
        )
    wrappers = [child for child in soap_bodies[0] if isinstance(child.tag, str)]
    if len(wrappers) != 1 or wrappers[0].tag != eis(service.service_code):
        return Rejection("Client.InvalidBody", f"the body must hold exactly one eis:{service.service_code}")
    unzrs = wrappers[0].findall("unzr")
    return CheckedRequest(
        body=body,
        header=header,
        client=client,
        service=service,
        message_id=message_id,
        unzr=(unzrs[0].text or "") if len(unzrs) == 1 else None,
    )
