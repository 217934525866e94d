"""Answers packed as `multipart/related`, as X-Road 4.0 security servers send messages with
attachments: SOAP with attachments (root part `text/xml`) and MTOM (root part `application/xop+xml;
type="text/xml"`). The attachment is bytes that no XML reader should ever be shown: zero bytes, bytes
that are not UTF-8, and a DTD, so that a client which parses more than the root part refuses the answer.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterable
from enum import StrEnum

ROOT_ID = "rootpart@stand-in"
ATTACHMENT_ID = "attachment-1@stand-in"
ATTACHMENT = (
    b"\x00\xff\xfe<!DOCTYPE a [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>\x00binary\r\n--not-a-boundary"
)


class Style(StrEnum):
    SWA = "swa"  # SOAP with attachments
    MTOM = "mtom"


def _root_type(style: Style) -> str:
    if style is Style.MTOM:
        return 'application/xop+xml; charset=UTF-8; type="text/xml"'
    return "text/xml; charset=UTF-8"


def content_type(style: Style, boundary: str, *, named_start: bool = True) -> str:
    """The answer's Content-Type; without `named_start` the root part is simply the first part."""
    start = f'; start="<{ROOT_ID}>"' if named_start else ""
    if style is Style.MTOM:
        return (
            f'multipart/related; type="application/xop+xml"{start}; start-info="text/xml"; '
            f'boundary="{boundary}"'
        )
    return f'multipart/related; type="text/xml"{start}; boundary={boundary}'


def _part(headers: Iterable[tuple[str, str]], content: bytes) -> bytes:
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("ascii")
    return head + b"\r\n" + content


def _root_headers(style: Style, root_type: str | None = None) -> list[tuple[str, str]]:
    return [
        ("Content-Type", root_type or _root_type(style)),
        ("Content-Transfer-Encoding", "8bit" if style is Style.SWA else "binary"),
        ("Content-ID", f"<{ROOT_ID}>"),
    ]


def _attachment_part() -> bytes:
    return _part(
        [
            ("Content-Type", "application/octet-stream"),
            ("Content-Transfer-Encoding", "binary"),
            ("Content-ID", f"<{ATTACHMENT_ID}>"),
        ],
        ATTACHMENT,
    )


def new_boundary(style: Style) -> str:
    return f"uuid:{uuid.uuid4()}" if style is Style.MTOM else f"jetty{uuid.uuid4().hex}"


def pack(
    style: Style, root: bytes, *, root_first: bool = True, root_type: str | None = None
) -> tuple[bytes, str]:
    """`root` as the root part of a multipart answer with one attachment, and the Content-Type.
    With `root_first` False the attachment comes first and `start` names the root part."""
    boundary = new_boundary(style)
    root_part = _part(_root_headers(style, root_type), root)
    parts = [root_part, _attachment_part()] if root_first else [_attachment_part(), root_part]
    delimiter = f"--{boundary}".encode("ascii")
    body = b"".join(delimiter + b"\r\n" + part + b"\r\n" for part in parts) + delimiter + b"--\r\n"
    return body, content_type(style, boundary, named_start=not root_first or style is Style.MTOM)


def pack_streamed(style: Style, root: AsyncIterator[bytes]) -> tuple[AsyncIterator[bytes], str]:
    """Like `pack`, with a root part too big to hold, streamed from `root`."""
    boundary = new_boundary(style)
    delimiter = f"--{boundary}".encode("ascii")
    opening = delimiter + b"\r\n" + _part(_root_headers(style), b"")
    closing = b"\r\n" + delimiter + b"\r\n" + _attachment_part() + b"\r\n" + delimiter + b"--\r\n"

    async def stream() -> AsyncIterator[bytes]:
        yield opening
        async for chunk in root:
            yield chunk
        yield closing

    return stream(), content_type(style, boundary)
