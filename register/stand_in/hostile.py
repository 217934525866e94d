"""Answers that attack or break the client's parser, each otherwise a faithful FOUND answer (right
header echo, right body element) so that the one flaw is the only reason to refuse it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

from lxml import etree

from register.stand_in import answers

GIANT_BYTES = 50 * 1024 * 1024
DEEP_LEVELS = 10_000
_CHUNK = 64 * 1024
# Stands in for a value in a serialised answer, then replaced by bytes lxml would refuse to write.
_MARK = "@@STAND-IN-MARK@@"
_MARK_BYTES = _MARK.encode()


def _found_with_mark(header: etree._Element | None, service_code: str, person: Mapping[str, Any]) -> bytes:
    marked = {**person, "last_name": _MARK}
    return answers.envelope(header, answers.found(service_code, marked))


def _replace_mark(answer: bytes, replacement: bytes) -> bytes:
    return answer.replace(_MARK_BYTES, replacement, 1)


def _with_doctype(answer: bytes, doctype: bytes) -> bytes:
    declaration_end = answer.index(b"?>") + 2
    return answer[:declaration_end] + b"\n" + doctype + answer[declaration_end:]


def external_entity(header: etree._Element | None, service_code: str, person: Mapping[str, Any]) -> bytes:
    """XXE: an external entity that would read a local file into `last_name`."""
    doctype = b'<!DOCTYPE soapenv:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    answer = _replace_mark(_found_with_mark(header, service_code, person), b"&xxe;")
    return _with_doctype(answer, doctype)


def billion_laughs(header: etree._Element | None, service_code: str, person: Mapping[str, Any]) -> bytes:
    """Ten levels of entities, each ten of the one below: 10^9 "lol"s if expanded."""
    entities = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        below = f"&lol{level - 1};".encode() * 10
        entities.append(f"<!ENTITY lol{level} ".encode() + b'"' + below + b'">')
    doctype = b"<!DOCTYPE soapenv:Envelope [" + b"".join(entities) + b"]>"
    answer = _replace_mark(_found_with_mark(header, service_code, person), b"&lol9;")
    return _with_doctype(answer, doctype)


def deep(header: etree._Element | None, service_code: str, person: Mapping[str, Any]) -> bytes:
    """`last_name` holding 10,000 nested elements."""
    nested = b"<n>" * DEEP_LEVELS + b"</n>" * DEEP_LEVELS
    return _replace_mark(_found_with_mark(header, service_code, person), nested)


def invalid_utf8(header: etree._Element | None, service_code: str, person: Mapping[str, Any]) -> bytes:
    """`last_name` with bytes that are not UTF-8 in a document that declares UTF-8."""
    return _replace_mark(_found_with_mark(header, service_code, person), b"\xd0\x94\xff\xfe\xc0\xaf")


def malformed(header: etree._Element | None, service_code: str, person: Mapping[str, Any]) -> bytes:
    """A FOUND answer cut before its closing tags, delivered in full (Content-Length matches)."""
    answer = answers.envelope(header, answers.found(service_code, person))
    return answer[: answer.index(b"</person>")]


def giant_parts(
    header: etree._Element | None, service_code: str, person: Mapping[str, Any]
) -> tuple[bytes, bytes]:
    """Head and tail of a FOUND answer whose `last_name` is GIANT_BYTES of letters in between."""
    answer = _found_with_mark(header, service_code, person)
    head, tail = answer.split(_MARK_BYTES, 1)
    return head, tail


def giant_length(head: bytes, tail: bytes) -> int:
    return len(head) + GIANT_BYTES + len(tail)


async def giant_stream(head: bytes, tail: bytes) -> AsyncIterator[bytes]:
    """The giant answer in chunks; the same chunk object is sent again and again, so the stand-in
    itself never holds more than one chunk of it."""
    padding = ("Я" * (_CHUNK // 2)).encode()
    yield head
    sent = 0
    while sent < GIANT_BYTES:
        piece = padding if GIANT_BYTES - sent >= len(padding) else padding[: GIANT_BYTES - sent]
        yield piece
        sent += len(piece)
        await asyncio.sleep(0)  # let other requests (and the disconnect) through
    yield tail


async def trickle(answer: bytes, seconds: float, interval: float = 0.1) -> AsyncIterator[bytes]:
    """The XML declaration, then a space every `interval` for `seconds`, then `answer`'s rest: every
    single read is quick, only an overall deadline stops a client from waiting the whole time."""
    declaration_end = answer.index(b"?>") + 2
    yield answer[:declaration_end]
    loop = asyncio.get_running_loop()
    until = loop.time() + seconds
    while loop.time() < until:
        await asyncio.sleep(interval)
        yield b" "
    yield answer[declaration_end:]


# Answers in another encoding than UTF-8, by variant: (Python codec, byte-order mark, declared
# encoding, Content-Type). Each is a faithful FOUND answer otherwise, Cyrillic names included.
OTHER_ENCODINGS: dict[str, tuple[str, bytes, str, str]] = {
    "utf-16-le": ("utf-16-le", b"", "UTF-16", "text/xml"),
    "utf-16-be": ("utf-16-be", b"", "UTF-16", "text/xml"),
    "utf-16-bom": ("utf-16-le", b"\xff\xfe", "UTF-16", "text/xml"),
    "utf-32-bom": ("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32", "text/xml"),
    "utf-32-le": ("utf-32-le", b"", "UTF-32", "text/xml"),
    "declared-windows-1251": ("cp1251", b"", "windows-1251", "text/xml"),
    "charset-koi8-u": ("koi8-u", b"", "", "text/xml; charset=koi8-u"),
}


def other_encoding(
    variant: str, header: etree._Element | None, service_code: str, person: Mapping[str, Any]
) -> tuple[bytes, str]:
    """A FOUND answer in the encoding `variant` names (a key of OTHER_ENCODINGS), and its Content-Type."""
    codec, mark, declared, content_type = OTHER_ENCODINGS[variant]
    text = answers.envelope(header, answers.found(service_code, person)).decode("utf-8")
    declaration = f'<?xml version="1.0" encoding="{declared}"?>' if declared else ""
    text = declaration + text.split("?>", 1)[1]
    return mark + text.encode(codec), content_type
