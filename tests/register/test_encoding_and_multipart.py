"""Answers that are not UTF-8 are refused before any parser sees them; `multipart/related` answers
(SOAP with attachments, MTOM) are read by their root part exactly as plain ones; fault codes compare
by their words. From bytes, as register/answer_parsing.py gets them."""

from __future__ import annotations

import pytest

from register.outcome import Empty, Found
from register.retry_table import fault_kind
from register.stand_in.multipart_answers import ATTACHMENT, Style, pack
from tests.register.test_answer_parsing import (
    CONTRACT_RECORD,
    MESSAGE_ID,
    answer,
    assert_failure,
    fault,
    found,
    interpret,
)

NOT_FOUND = answer("<eis:unzrResponse><result>NOT_FOUND</result></eis:unzrResponse>")

# --- encoding


def _reencoded(codec: str, mark: bytes = b"", declared: str = "UTF-16") -> bytes:
    text = found().decode("utf-8").replace('encoding="UTF-8"', f'encoding="{declared}"')
    return mark + text.encode(codec)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (_reencoded("utf-16-le"), "text/xml"),
        (_reencoded("utf-16-be"), "text/xml"),
        (_reencoded("utf-16-le", b"\xff\xfe"), "text/xml"),
        (_reencoded("utf-16-be", b"\xfe\xff"), "text/xml"),
        (_reencoded("utf-32-le", b"\xff\xfe\x00\x00", "UTF-32"), "text/xml"),
        (_reencoded("utf-32-be", b"\x00\x00\xfe\xff", "UTF-32"), "text/xml"),
        (_reencoded("utf-32-le", declared="UTF-32"), None),
        # A UTF-16 body that claims UTF-8: libxml2 would still read it by its zero bytes.
        (_reencoded("utf-16-le", declared="UTF-8"), "text/xml; charset=utf-8"),
        (_reencoded("cp1251", declared="windows-1251"), "text/xml"),
        # ASCII-only bytes, so only the declaration or the header tells the encoding.
        (
            answer("<eis:unzrResponse><result>NOT_FOUND</result></eis:unzrResponse>").replace(
                b'encoding="UTF-8"', b'encoding="ISO-8859-1"'
            ),
            "text/xml",
        ),
        (NOT_FOUND, "text/xml; charset=ISO-8859-1"),
        (NOT_FOUND, 'text/xml; charset="utf-16"'),
        (NOT_FOUND, "application/soap+xml;charset=koi8-u"),
    ],
)
@pytest.mark.parametrize("status", [200, 500])
def test_an_answer_that_is_not_utf8_is_a_permanent_refusal(
    body: bytes, content_type: str | None, status: int
) -> None:
    failure = assert_failure(
        interpret(body, status=status, content_type=content_type), "permanent", "InvalidUtf8"
    )
    assert "refused" in failure.message


@pytest.mark.parametrize(
    "content_type", ["text/xml; charset=utf-8", "text/xml; charset=UTF8", 'text/xml; charset="UTF-8"', None]
)
def test_utf8_in_any_spelling_is_read(content_type: str | None) -> None:
    assert interpret(found(), content_type=content_type) == Found(
        person=CONTRACT_RECORD, message_id=MESSAGE_ID
    )
    with_bom = b"\xef\xbb\xbf" + found()
    assert isinstance(interpret(with_bom, content_type=content_type), Found)


def test_a_proxy_page_in_another_charset_stays_an_http_failure() -> None:
    page = "<html><body>Шлюз недоступний</body></html>".encode("cp1251")
    assert_failure(
        interpret(page, status=502, content_type="text/html; charset=windows-1251"), "transient", "HTTP_502"
    )


# --- multipart


@pytest.mark.parametrize("style", list(Style))
@pytest.mark.parametrize("root_first", [True, False])
def test_a_multipart_found_answer_is_read_by_its_root_part(style: Style, root_first: bool) -> None:
    body, content_type = pack(style, found(), root_first=root_first)
    assert ATTACHMENT in body
    assert interpret(body, content_type=content_type) == Found(person=CONTRACT_RECORD, message_id=MESSAGE_ID)


@pytest.mark.parametrize("style", list(Style))
def test_a_multipart_empty_answer_is_empty(style: Style) -> None:
    body, content_type = pack(style, NOT_FOUND)
    assert interpret(body, content_type=content_type) == Empty(message_id=MESSAGE_ID)


@pytest.mark.parametrize("style", list(Style))
@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("Client.BadRequest", "permanent"),
        ("Server.ServerProxy.AccessDenied", "permanent"),
        ("Server.ServerProxy.ServiceFailed", "transient"),
    ],
)
@pytest.mark.parametrize("status", [200, 500])
def test_a_fault_inside_a_multipart_answer_keeps_its_code(
    style: Style, code: str, kind: str, status: int
) -> None:
    body, content_type = pack(style, fault(code))
    assert_failure(interpret(body, status=status, content_type=content_type), kind, code)


def _hostile_root(kind: str) -> bytes:
    plain = found().decode("utf-8")
    if kind == "dtd":
        return plain.replace("?>", '?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>', 1).encode()
    if kind == "deep":
        return plain.replace("<last_name>ДІЯ", "<last_name>" + "<n>" * 100 + "</n>" * 100, 1).encode()
    return plain.encode("utf-16-le")


@pytest.mark.parametrize("style", list(Style))
@pytest.mark.parametrize(
    ("kind", "code"), [("dtd", "DtdRefused"), ("deep", "TooDeep"), ("utf16", "InvalidUtf8")]
)
def test_the_hostile_xml_limits_apply_to_the_root_part(style: Style, kind: str, code: str) -> None:
    body, content_type = pack(style, _hostile_root(kind), root_type="text/xml" if kind == "utf16" else None)
    assert_failure(interpret(body, content_type=content_type), "permanent", code)


def test_the_root_part_charset_is_checked() -> None:
    body, content_type = pack(Style.SWA, NOT_FOUND, root_type="text/xml; charset=iso-8859-1")
    assert_failure(interpret(body, content_type=content_type), "permanent", "InvalidUtf8")


def test_a_root_part_that_is_not_xml_is_not_xml() -> None:
    body, content_type = pack(Style.SWA, b"<html><body>oops</body></html>", root_type="text/html")
    assert_failure(interpret(body, content_type=content_type), "transient", "NotXml")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--b\r\nContent-Type: text/xml\r\n\r\n<a/>\r\n", "multipart/related; boundary=b"),  # no end
        (b"no boundary here", "multipart/related; boundary=b"),
        (b"--b\r\n\r\n<a/>\r\n--b--\r\n", "multipart/related"),  # no boundary parameter
        (b"--b\r\nContent-ID: <x>\r\n\r\n<a/>\r\n--b--\r\n", 'multipart/related; start="<y>"; boundary=b'),
        (
            b"--b\r\nContent-Transfer-Encoding: base64\r\n\r\nPGEvPg==\r\n--b--\r\n",
            "multipart/related; boundary=b",
        ),
        (b"--b\r\nno colon in this header\r\n\r\n<a/>\r\n--b--\r\n", "multipart/related; boundary=b"),
    ],
)
def test_a_multipart_answer_that_cannot_be_split_is_malformed(body: bytes, content_type: str) -> None:
    assert_failure(interpret(body, content_type=content_type), "permanent", "MalformedAnswer")
    assert_failure(interpret(body, status=503, content_type=content_type), "transient", "HTTP_503")


def test_multipart_boundaries_with_bare_line_feeds_are_read() -> None:
    body, content_type = pack(Style.MTOM, found())
    assert isinstance(interpret(body.replace(b"\r\n", b"\n"), content_type=content_type), Found)


# --- fault codes by words


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("Server.ClientProxy.global_conf_outdated", "transient"),
        ("server.serverproxy.denied_access", "permanent"),
        ("Server.ServerProxy.service_disabled", "permanent"),
        ("Server.ServerProxy.io_error", "transient"),
        # Both a transient and a permanent marker: permanent.
        ("Server.ServerProxy.AccessDenied.Timeout", "permanent"),
        ("server.clientproxy.network_error.unknown_member", "permanent"),
        ("Server.ServerProxy.ServiceFailed.SslAuthenticationFailed", "permanent"),
    ],
)
def test_fault_codes_compare_by_words(code: str, kind: str) -> None:
    assert fault_kind(code) == kind
    assert_failure(interpret(fault(code)), kind, code)
