"""Register answers for the fuzz tests: well-formed seeds built by the stand-in's own answer code, and
hypothesis strategies that mutate them (bytes, text, encodings, truncation, size, depth)."""

from __future__ import annotations

import codecs
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from register.stand_in import answers
from register.stand_in.answers import Echo
from register.stand_in.options import StandInOptions
from register.stand_in.people import PeopleBook
from register.stand_in.request_checks import CheckedRequest, check_request
from register.xroad import RequestHeaders, build_request, parse_client_id, parse_service_id
from settings import load_settings
from unzr.validation import make_unzr

_SETTINGS = load_settings()
CLIENT = _SETTINGS.xroad_client
SERVICE = _SETTINGS.xroad_service
SERVICE_CODE = parse_service_id(SERVICE).service_code
# The message id the seeds echo; a hostile register over HTTP swaps in the id it was sent.
MESSAGE_ID = "0d9f6c1e-5b7a-4c3d-8e2f-1a2b3c4d5e6f"
UNZR = make_unzr(dt.date(1984, 7, 19), 1234)

SENT = RequestHeaders(
    client=parse_client_id(CLIENT),
    service=parse_service_id(SERVICE),
    message_id=MESSAGE_ID,
    user_id=_SETTINGS.xroad_user_id,
)
PERSON: dict[str, Any] = PeopleBook.load().person(UNZR)


def _checked_request() -> CheckedRequest:
    request = build_request(SENT, UNZR)
    options = StandInOptions(service=SERVICE, clients=(CLIENT,))
    checked = check_request(
        "POST", {"content-type": "text/xml; charset=utf-8", "soapaction": '""'}, request, options
    )
    assert isinstance(checked, CheckedRequest), checked
    return checked


_CHECKED = _checked_request()
_HEADER = answers.echoed_header(_CHECKED.header, _CHECKED.body, Echo.FAITHFUL)


@dataclass(frozen=True)
class Seed:
    """A well-formed answer and what the client must make of it, untouched."""

    name: str
    status: int
    body: bytes
    outcome: str  # found, empty, transient, permanent
    code: str | None = None


SEEDS = (
    Seed("found", 200, answers.envelope(_HEADER, answers.found(SERVICE_CODE, PERSON)), "found"),
    Seed("not_found", 200, answers.envelope(_HEADER, answers.not_found(SERVICE_CODE)), "empty"),
    Seed(
        "application_error",
        200,
        answers.envelope(_HEADER, answers.application_error(SERVICE_CODE, "REGISTER_UNAVAILABLE")),
        "transient",
        "REGISTER_UNAVAILABLE",
    ),
    Seed(
        "fault",
        500,
        answers.fault("Server.ServerProxy.AccessDenied", f"Request is not allowed: SERVICE:{SERVICE}"),
        "permanent",
        "Server.ServerProxy.AccessDenied",
    ),
    Seed(
        "fault_200",
        200,
        answers.fault("Server.ServerProxy.ServiceFailed", "Service failed"),
        "transient",
        "Server.ServerProxy.ServiceFailed",
    ),
)
FOUND_SEED = SEEDS[0]

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
CONTENT_TYPES = st.one_of(
    st.sampled_from(
        [
            XML_CONTENT_TYPE,
            "text/xml",
            "application/soap+xml; charset=utf-8",
            "application/xml; charset=utf-16",
            "text/xml; charset=windows-1251",
            "text/html; charset=utf-8",
            "text/plain",
            "application/json",
            "",
        ]
    ),
    st.none(),
    st.text(max_size=40),
)
STATUSES = st.one_of(st.sampled_from([200, 200, 200, 500, 503, 502, 400, 302, 204]), st.integers(100, 599))
ENCODINGS = ("utf-16", "utf-16-le", "utf-32", "latin-1", "cp1251", "koi8-u", "utf-7", "ascii")
_TEXT_NODE = re.compile(rb">([^<]*)<")
# Characters that break XML in interesting ways when they land in a text node.
HOSTILE_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list("<>&;'\"]]>-\x00\x01\x7f\u2028\ufeff\ud7ff\U0001f600ЇЄҐ0123456789 ")),
        st.characters(),
    ),
    max_size=60,
)

Mutation = Callable[[bytes], bytes]


STRUCTURAL = ("text", "drop_element", "double_element", "result", "reencode", "truncate")
NOISE = ("flip", "delete", "insert", "duplicate", "prefix")
ELEMENTS = (
    "unzr",
    "result",
    "person",
    "xro:id",
    "xro:client",
    "xro:service",
    "soapenv:Header",
    "soapenv:Body",
    "soapenv:Fault",
    "last_name",
    "documents",
    "document",
    "faultcode",
    "error",
    "code",
    f"eis:{SERVICE_CODE}Response",
)


def _element(name: str) -> re.Pattern[bytes]:
    tag = re.escape(name.encode())
    return re.compile(rb"<" + tag + rb"[ >].*?</" + tag + rb">", re.S)


@st.composite
def mutations(draw: st.DrawFn, kinds: tuple[str, ...] = STRUCTURAL + NOISE) -> Mutation:
    """One mutation of an answer's bytes."""
    kind = draw(st.sampled_from(kinds))
    fraction = draw(st.floats(0, 1))
    choice = draw(st.integers(0, 1000))

    def at(body: bytes) -> int:
        return min(int(fraction * len(body)), max(len(body) - 1, 0))

    if kind in ("drop_element", "double_element"):
        pattern = _element(draw(st.sampled_from(ELEMENTS)))
        if kind == "drop_element":
            return lambda body: pattern.sub(b"", body, count=1)
        return lambda body: pattern.sub(lambda m: m.group(0) * 2, body, count=1)
    if kind in ("text", "result"):
        text = draw(HOSTILE_TEXT).encode("utf-8", "surrogatepass")
        if kind == "result":
            result = b"<result>" + text + b"</result>"
            return lambda body: re.sub(rb"<result>[^<]*</result>", lambda _: result, body, count=1)

        def replace_text(body: bytes) -> bytes:
            nodes = list(_TEXT_NODE.finditer(body))
            if not nodes:
                return body
            node = nodes[choice % len(nodes)]
            return body[: node.start(1)] + text + body[node.end(1) :]

        return replace_text
    if kind == "reencode":
        encoding = draw(st.sampled_from(ENCODINGS))
        declare = draw(st.booleans())

        def reencode(body: bytes) -> bytes:
            decoded = body.decode("utf-8", "replace")
            if declare:
                decoded = decoded.replace('encoding="UTF-8"', f'encoding="{encoding}"')
            return codecs.encode(decoded, encoding, "replace")

        return reencode
    if kind == "truncate":
        return lambda body: body[: at(body)]
    span = draw(st.integers(1, 200))
    blob = draw(st.binary(min_size=1, max_size=40))
    if kind == "flip":
        return lambda body: (
            body[: at(body)] + bytes([body[at(body)] ^ (1 << (choice % 8))]) + body[at(body) + 1 :]
            if body
            else blob
        )
    if kind == "delete":
        return lambda body: body[: at(body)] + body[at(body) + span :]
    if kind == "insert":
        return lambda body: body[: at(body)] + blob + body[at(body) :]
    if kind == "duplicate":
        return lambda body: (
            body[: at(body)] + body[at(body) : at(body) + span] * (1 + choice % 5) + body[at(body) :]
        )
    return lambda body: blob + body  # prefix


@st.composite
def mutated_answers(
    draw: st.DrawFn, kinds: tuple[str, ...] = STRUCTURAL + NOISE, max_mutations: int = 3
) -> tuple[Seed, bytes]:
    seed = draw(st.sampled_from(SEEDS))
    body = seed.body
    for mutate in draw(st.lists(mutations(kinds), min_size=1, max_size=max_mutations)):
        body = mutate(body)
    return seed, body


@st.composite
def giant_or_deep_answers(draw: st.DrawFn) -> bytes:
    """A FOUND answer made huge (a long text node, many repeated elements) or deeply nested."""
    body = FOUND_SEED.body
    kind = draw(st.sampled_from(["long_text", "repeated", "deep", "deep_unclosed", "wide_attributes"]))
    size = draw(st.integers(1, 2_000_000))
    if kind == "long_text":
        return body.replace(b"<last_name>", b"<last_name>" + b"\xd0\x87" * (size // 2), 1)
    if kind == "repeated":
        element = b"<extra><a>1</a><b>2</b></extra>"
        return body.replace(b"</person>", element * (size // len(element)) + b"</person>", 1)
    depth = draw(st.integers(1, 20_000))
    if kind == "deep":
        return body.replace(b"<person>", b"<n>" * depth + b"<person>", 1).replace(
            b"</person>", b"</person>" + b"</n>" * depth, 1
        )
    if kind == "deep_unclosed":
        return body.replace(b"<person>", b"<n>" * depth, 1)
    attributes = b" ".join(b'a%d="%d"' % (i, i) for i in range(min(depth, 5000)))
    return body.replace(b"<person>", b"<person " + attributes + b">", 1)
