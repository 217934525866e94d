"""The root part of a `multipart/related` answer, as X-Road 4.0 sends messages with attachments (SOAP
with attachments) and MTOM-optimised ones.

The SOAP envelope is the root part: the part whose Content-ID the `start` parameter names, else the
first part. It is then read exactly as a plain answer would be, with its own Content-Type (`text/xml`,
or MTOM's `application/xop+xml; type="text/xml"`), so the encoding, DTD, depth and well-formedness
rules apply to it unchanged. Attachments are ignored: they are never decoded nor parsed. The size cap
needs no rule of its own here: it bounds the whole HTTP body, root part and attachments together.

The split is done here, on bytes, with bounds (boundary length, number of parts); only the
Content-Type parameters (`boundary`, `start`, quoted or not) are read with the standard library's
header parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message

MULTIPART_RELATED = "multipart/related"
_IDENTITY_ENCODINGS = frozenset({"", "7bit", "8bit", "binary"})
_MAX_PARTS = 100
_MAX_BOUNDARY = 70  # RFC 2046
_HEADER_LINE = re.compile(rb"([!-9;-~]+)[ \t]*:[ \t]*(.*)")


class MultipartRefused(Exception):
    """The multipart answer cannot be split into parts; the message is static text without content."""


@dataclass(frozen=True, slots=True)
class RootPart:
    content_type: str | None
    body: bytes


def is_multipart_related(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == MULTIPART_RELATED


def _parameters(content_type: str) -> dict[str, str]:
    message = Message()
    message["content-type"] = content_type
    parameters: dict[str, str] = {}
    for name, value in message.get_params(failobj=[])[1:]:
        parameters[name.lower()] = value if isinstance(value, str) else str(value)
    return parameters


def _content_id(value: str) -> str:
    return value.strip().removeprefix("<").removesuffix(">").strip()


def root_part(content_type: str, body: bytes) -> RootPart:
    """The root part of a `multipart/related` body with this Content-Type, or MultipartRefused."""
    parameters = _parameters(content_type)
    boundary = parameters.get("boundary", "")
    if not boundary or len(boundary) > _MAX_BOUNDARY:
        raise MultipartRefused("the multipart answer has no usable boundary parameter")
    parts = _split(body, boundary.encode("utf-8", "replace"))
    if not parts:
        raise MultipartRefused("the multipart answer holds no part")
    start = parameters.get("start")
    if start is None:
        headers, content = parts[0]
    else:
        wanted = _content_id(start)
        named = [part for part in parts if _content_id(part[0].get("content-id", "")) == wanted]
        if len(named) != 1:
            raise MultipartRefused("the multipart answer does not hold exactly one part named by start")
        headers, content = named[0]
    encoding = headers.get("content-transfer-encoding", "").strip().lower()
    if encoding not in _IDENTITY_ENCODINGS:
        raise MultipartRefused("the root part is not sent as binary, 8bit or 7bit")
    return RootPart(content_type=headers.get("content-type"), body=content)


def _split(body: bytes, boundary: bytes) -> list[tuple[dict[str, str], bytes]]:
    """The parts between `--boundary` lines, each as (headers by lower-case name, content)."""
    delimiter = b"--" + boundary
    if body.startswith(delimiter):
        position = 0
    else:
        found = body.find(b"\n" + delimiter)
        if found < 0:
            raise MultipartRefused("the multipart answer holds no boundary line")
        position = found + 1
    parts: list[tuple[dict[str, str], bytes]] = []
    while True:
        after = position + len(delimiter)
        if body.startswith(b"--", after):
            return parts
        line_end = body.find(b"\n", after)
        if line_end < 0 or body[after:line_end].strip(b" \t\r"):
            raise MultipartRefused("a boundary line of the multipart answer is malformed")
        start = line_end + 1
        following = body.find(b"\n" + delimiter, start)
        if following < 0:
            raise MultipartRefused("the multipart answer ends without its closing boundary")
        end = following - 1 if following > start and body[following - 1 : following] == b"\r" else following
        parts.append(_part(body[start:end]))
        if len(parts) > _MAX_PARTS:
            raise MultipartRefused(f"the multipart answer holds more than {_MAX_PARTS} parts")
        position = following + 1


def _part(raw: bytes) -> tuple[dict[str, str], bytes]:
    """Headers and content of one part; the content starts after the first empty line."""
    match = re.search(rb"\r?\n\r?\n", raw)
    if raw.startswith((b"\r\n", b"\n")):
        head, content = b"", raw[2 if raw.startswith(b"\r\n") else 1 :]
    elif match is None:
        raise MultipartRefused("a part of the multipart answer has no header end")
    else:
        head, content = raw[: match.start()], raw[match.end() :]
    headers: dict[str, str] = {}
    for line in re.split(rb"\r?\n(?![ \t])", head):
        parsed = _HEADER_LINE.fullmatch(line.replace(b"\r\n", b" ").replace(b"\n", b" "))
        if parsed is None:
            raise MultipartRefused("a part of the multipart answer has a malformed header")
        name = parsed.group(1).decode("ascii").lower()
        headers[name] = parsed.group(2).decode("utf-8", "replace").strip()
    return headers, content
