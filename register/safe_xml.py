"""Parsing XML that a third party sent (a register answer, or a request to the stand-in), hardened.

Refused, each with its own code: any DTD (so no external entities and no entity expansion, "billion
laughs" included), nesting deeper than a bound, a document that is not UTF-8, and anything not
well-formed.

X-Road messages are UTF-8. The encoding is settled on the bytes, before libxml2 sees them: libxml2
would otherwise detect UTF-16 or UTF-32 by itself (from a byte-order mark, or from the zero bytes
around `<?xml`) and read such a document as if it were fine.
The size cap is the caller's job, because only the caller can enforce it while the body streams in.
"""

from __future__ import annotations

import re
from typing import Literal

from lxml import etree

RefusalCode = Literal["DtdRefused", "TooDeep", "InvalidUtf8", "MalformedXml"]

# Small chunks let the depth counter see every level before libxml2 has parsed far ahead of it:
# 512 bytes hold at most ~170 nested start tags, below libxml2's own limit of 256 levels.
_CHUNK = 512
_LIBXML_MAX_DEPTH = 256
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([^"']*)["']""")
_UTF8_BOM = b"\xef\xbb\xbf"
# Longest first: the UTF-32LE mark begins with the UTF-16LE one.
_OTHER_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


class XmlRefused(Exception):
    """The document was not parsed; `code` says why and `reason` is static text without content."""

    def __init__(self, code: RefusalCode, reason: str) -> None:
        super().__init__(f"{code}: {reason}")
        self.code: RefusalCode = code
        self.reason = reason


def parse_untrusted_xml(data: bytes, *, max_depth: int) -> etree._Element:
    """The root element of `data`, or XmlRefused."""
    require_utf8(data)
    # Refused before parsing: a DTD is never legitimate in a SOAP message (SOAP 1.1 forbids it). A literal
    # "<!DOCTYPE" inside a comment or CDATA section is refused too; no legitimate answer carries one.
    if _DOCTYPE.search(data):
        raise XmlRefused("DtdRefused", "the document carries a DTD or entity declaration")
    parser = etree.XMLPullParser(
        events=("start", "end"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    depth = 0
    try:
        for offset in range(0, len(data), _CHUNK):
            parser.feed(data[offset : offset + _CHUNK])
            for event, _element in parser.read_events():
                if event == "start":
                    depth += 1
                    if depth > max_depth:
                        raise XmlRefused("TooDeep", f"the document nests deeper than {max_depth} levels")
                elif event == "end":
                    depth -= 1
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            limit = min(max_depth, _LIBXML_MAX_DEPTH)
            raise XmlRefused("TooDeep", f"the document nests deeper than {limit} levels") from None
        line, column = exc.position
        raise XmlRefused(
            "MalformedXml", f"the document is not well-formed XML (line {line}, column {column})"
        ) from None
    # Belt and braces: the byte scan above should make this unreachable.
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise XmlRefused("DtdRefused", "the document carries a DTD")
    return root


def require_utf8(data: bytes) -> None:
    """Refuse (`InvalidUtf8`) a document that is not UTF-8: a UTF-16 or UTF-32 byte-order mark, a zero
    byte (UTF-16 and UTF-32 without a mark; XML forbids U+0000 anyway), an XML declaration naming
    another encoding, or bytes that do not decode as UTF-8."""
    for mark, encoding in _OTHER_BOMS:
        if data.startswith(mark):
            raise XmlRefused("InvalidUtf8", f"the document starts with a {encoding} byte-order mark")
    zero = data.find(b"\x00")
    if zero >= 0:
        raise XmlRefused(
            "InvalidUtf8", f"the document holds a zero byte (byte offset {zero}): UTF-16 or UTF-32?"
        )
    declared = _DECLARED_ENCODING.match(data.removeprefix(_UTF8_BOM))
    if declared and declared.group(1).lower() not in (b"utf-8", b"utf8"):
        raise XmlRefused("InvalidUtf8", "the document declares an encoding other than UTF-8")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XmlRefused(
            "InvalidUtf8", f"the document is not valid UTF-8 (byte offset {exc.start})"
        ) from None
