"""Hardened parsing: each hostile document is refused with its own code, fast."""

from __future__ import annotations

import time

import pytest

from register.safe_xml import XmlRefused, parse_untrusted_xml

XXE = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<r>&xxe;</r>"""

XXE_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE r [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<r/>"""

BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'.encode()
        for n in range(1, 10)
    )
    + b"]><lolz>&lol9;</lolz>"
)


def test_well_formed_document_is_parsed() -> None:
    root = parse_untrusted_xml("<a><b>Дія</b></a>".encode(), max_depth=8)
    assert root.findtext("b") == "Дія"


def test_utf8_byte_order_mark_is_accepted() -> None:
    assert parse_untrusted_xml(b"\xef\xbb\xbf<a/>", max_depth=8).tag == "a"


@pytest.mark.parametrize(
    "document",
    [XXE, XXE_PARAMETER, BILLION_LAUGHS, b"<!DOCTYPE a><a/>", b'<!doctype a SYSTEM "x.dtd"><a/>'],
    ids=["external-entity", "parameter-entity", "billion-laughs", "bare-doctype", "lower-case-doctype"],
)
def test_any_dtd_is_refused(document: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(XmlRefused) as refused:
        parse_untrusted_xml(document, max_depth=64)
    assert refused.value.code == "DtdRefused"
    assert time.perf_counter() - started < 0.5


def test_ten_thousand_levels_are_refused_quickly() -> None:
    document = b"<a>" * 10_000 + b"</a>" * 10_000
    started = time.perf_counter()
    with pytest.raises(XmlRefused) as refused:
        parse_untrusted_xml(document, max_depth=64)
    assert refused.value.code == "TooDeep"
    assert "64" in refused.value.reason
    assert time.perf_counter() - started < 0.5


def test_depth_limit_is_exact() -> None:
    assert parse_untrusted_xml(b"<a>" * 64 + b"</a>" * 64, max_depth=64) is not None
    with pytest.raises(XmlRefused) as refused:
        parse_untrusted_xml(b"<a>" * 65 + b"</a>" * 65, max_depth=64)
    assert refused.value.code == "TooDeep"


def test_depth_beyond_the_libxml2_limit_is_still_too_deep() -> None:
    # A configured limit above libxml2's own (256) meets libxml2's refusal first; same code.
    with pytest.raises(XmlRefused) as refused:
        parse_untrusted_xml(b"<a>" * 300 + b"</a>" * 300, max_depth=1000)
    assert refused.value.code == "TooDeep"


@pytest.mark.parametrize(
    "document",
    [
        b"<a>\xd0\x94\xff\xfe</a>",  # bytes that never occur in UTF-8
        b"<a>\xc0\xaf</a>",  # overlong encoding of "/"
        b"<a>\xed\xa0\x80</a>",  # a UTF-16 surrogate encoded as UTF-8
        b"<a>\xd0</a>",  # a truncated sequence
        b"\xff\xfe<\x00a\x00/\x00>\x00",  # UTF-16
        b'<?xml version="1.0" encoding="ISO-8859-1"?><a>\xe9</a>',  # valid, but not UTF-8
    ],
)
def test_anything_but_utf8_is_refused(document: bytes) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_untrusted_xml(document, max_depth=8)
    assert refused.value.code == "InvalidUtf8"


@pytest.mark.parametrize(
    "document", [b"<a><b></a>", b"<a>", b"<a>&undeclared;</a>", b"<a/><b/>", b"", b"<a x='1' x='2'/>"]
)
def test_malformed_xml_is_refused(document: bytes) -> None:
    with pytest.raises(XmlRefused) as refused:
        parse_untrusted_xml(document, max_depth=8)
    assert refused.value.code == "MalformedXml"


def test_refusal_messages_hold_no_content() -> None:
    secret = "ШЕВЧЕНКО".encode()
    for document in (
        b"<a>" + secret + b"</b>",
        b"<a>" + secret + b"\xff</a>",
        b"<!DOCTYPE a><a>" + secret + b"</a>",
    ):
        with pytest.raises(XmlRefused) as refused:
            parse_untrusted_xml(document, max_depth=8)
        assert "ШЕВЧЕНКО" not in str(refused.value)
