"""The stand-in register as an ASGI app: the `unzr` service at `/`, and test endpoints under
`/_stand_in/` (call counters, reset, health). The UNZRs in the counters are synthetic test data."""

from __future__ import annotations

import asyncio
import hashlib
import random
from collections import Counter
from typing import Any

from lxml import etree
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from register.stand_in import answers, hostile, hostile_text, multipart_answers
from register.stand_in.answers import CONTENT_TYPE, Echo
from register.stand_in.behaviour import (
    FOUND,
    TRANSIENT_ANSWERS,
    Answer,
    Behaviour,
    behaviour_for,
    example_unzr,
)
from register.stand_in.options import StandInOptions
from register.stand_in.people import PeopleBook
from register.stand_in.request_checks import MAX_REQUEST_BYTES, CheckedRequest, check_request
from unzr.validation import InvalidUnzr

PROXY_ERROR_PAGE = (
    "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
    "<body><h1>502 Bad Gateway</h1><hr><p>nginx</p></body></html>\n"
)
CAPTIVE_PAGE = "<html><body><p>Please sign in to continue.</p></body></html>\n"
EXTRA_FIELDS: dict[str, Any] = {
    "citizenship": "УКРАЇНА",
    "registration_details": {"region": "М. КИЇВ", "street": {"type": "ВУЛ.", "name": "ХРЕЩАТИК"}},
    "former_last_name": ["КОВАЛЬ", "БОНДАР"],
}
_ECHOES = {
    Answer.WRONG_ID: Echo.WRONG_ID,
    Answer.WRONG_CLIENT: Echo.WRONG_CLIENT,
    Answer.WRONG_SERVICE: Echo.WRONG_SERVICE,
    Answer.NO_HEADER: Echo.NONE,
}


class StandInState:
    """Counters and randomness of one stand-in process (one event loop, so no locks)."""

    def __init__(self, options: StandInOptions, people: PeopleBook) -> None:
        self.options = options
        self.people = people
        self.total = 0
        self.by_unzr: Counter[str] = Counter()
        self._random = random.Random()

    def reset(self) -> None:
        self.total = 0
        self.by_unzr.clear()

    def draw(self, unzr: str, call: int, purpose: str) -> float:
        """A number in [0, 1). With a seed it depends only on (seed, UNZR, call number, purpose), so a
        run is repeatable however concurrent requests interleave."""
        if self.options.seed is None:
            return self._random.random()
        key = f"{self.options.seed}:{unzr}:{call}:{purpose}".encode()
        return int.from_bytes(hashlib.blake2b(key, digest_size=8).digest(), "big") / 2**64


def create_app(options: StandInOptions) -> Starlette:
    state = StandInState(options, PeopleBook.load(options.people_file))

    async def service(request: Request) -> Response:
        state.total += 1
        if options.latency_ms:
            await asyncio.sleep(options.latency_ms / 1000)
        body = await _read_body(request, MAX_REQUEST_BYTES)
        checked = check_request(request.method, request.headers, body, options)
        if not isinstance(checked, CheckedRequest):
            return _xml(answers.fault(checked.fault_code, checked.fault_string), 500)
        if checked.unzr is None:
            return _xml(_answer(checked, answers.application_error(_code(checked), "INVALID_UNZR")))
        state.by_unzr[checked.unzr] += 1
        call = state.by_unzr[checked.unzr]
        try:
            behaviour = behaviour_for(checked.unzr)
        except InvalidUnzr:
            return _xml(_answer(checked, answers.application_error(_code(checked), "INVALID_UNZR")))
        return await _respond(_settle(behaviour, checked.unzr, call, state), checked, state)

    async def calls(request: Request) -> Response:
        return JSONResponse({"total": state.total, "by_unzr": dict(state.by_unzr)})

    async def reset(request: Request) -> Response:
        state.reset()
        return JSONResponse({"total": 0, "by_unzr": {}})

    async def health(request: Request) -> Response:
        return PlainTextResponse("ok")

    return Starlette(
        routes=[
            Route("/", service, methods=["GET", "POST", "PUT", "PATCH", "DELETE"]),
            Route("/_stand_in/calls", calls, methods=["GET"]),
            Route("/_stand_in/reset", reset, methods=["POST"]),
            Route("/_stand_in/health", health, methods=["GET"]),
        ]
    )


async def _read_body(request: Request, limit: int) -> bytes | None:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def _settle(behaviour: Behaviour, unzr: str, call: int, state: StandInState) -> Behaviour:
    """The behaviour of this very call: flaky UNZRs fail their first calls, and plain found / not
    found UNZRs fail at the configured random rate."""
    if behaviour.answer is Answer.FLAKY:
        assert behaviour.first is not None
        return behaviour.first if call <= behaviour.failures else FOUND
    rate = state.options.transient_rate
    if behaviour.answer in (Answer.FOUND, Answer.NOT_FOUND) and rate > 0:
        if state.draw(unzr, call, "fail") < rate:
            return TRANSIENT_ANSWERS[int(state.draw(unzr, call, "kind") * len(TRANSIENT_ANSWERS))]
    return behaviour


def _code(checked: CheckedRequest) -> str:
    return checked.service.service_code


def _answer(checked: CheckedRequest, content: etree._Element, echo: Echo = Echo.FAITHFUL) -> bytes:
    return answers.envelope(answers.echoed_header(checked.header, checked.body, echo), content)


def _xml(content: bytes, status: int = 200) -> Response:
    return Response(content, status_code=status, media_type=CONTENT_TYPE)


async def _respond(behaviour: Behaviour, checked: CheckedRequest, state: StandInState) -> Response:
    answer = behaviour.answer
    unzr = checked.unzr or ""
    code = _code(checked)
    header = answers.echoed_header(checked.header, checked.body, Echo.FAITHFUL)

    if answer in (Answer.FOUND, Answer.SLOW):
        if answer is Answer.SLOW:
            await asyncio.sleep(state.options.slow_seconds)
        return _xml(answers.envelope(header, answers.found(code, state.people.person(unzr))))
    if answer is Answer.NOT_FOUND:
        return _xml(answers.envelope(header, answers.not_found(code)))
    if answer is Answer.FOUND_WITHOUT_PERSON:
        return _xml(answers.envelope(header, answers.found(code, None)))
    if answer is Answer.FOUND_WITH_EXTRAS:
        return _xml(answers.envelope(header, answers.found(code, state.people.person(unzr) | EXTRA_FIELDS)))
    if answer is Answer.OTHER_PERSON:
        other = state.people.person(example_unzr(1))
        return _xml(answers.envelope(header, answers.found(code, other)))
    if answer is Answer.APPLICATION_ERROR:
        assert behaviour.detail is not None
        return _xml(answers.envelope(header, answers.application_error(code, behaviour.detail)))
    if answer is Answer.FAULT:
        assert behaviour.detail is not None
        message = f"Stand-in register fault {behaviour.detail}"
        return _xml(answers.fault(behaviour.detail, message), behaviour.http_status)
    if answer is Answer.HOSTILE_FAULT_TEXT:
        return _xml(answers.fault(hostile_text.FAULT_CODE, hostile_text.MESSAGE), behaviour.http_status)
    if answer is Answer.HOSTILE_ERROR_TEXT:
        error = answers.application_error(code, hostile_text.APPLICATION_ERROR_CODE, hostile_text.MESSAGE)
        return _xml(answers.envelope(header, error))
    if answer is Answer.OTHER_ENCODING:
        assert behaviour.detail is not None
        encoded, content_type = hostile.other_encoding(
            behaviour.detail, header, code, state.people.person(unzr)
        )
        return Response(encoded, media_type=content_type)
    if answer is Answer.MULTIPART:
        assert behaviour.detail is not None
        return _multipart(behaviour, header, code, state.people.person(unzr))
    if answer is Answer.UNKNOWN_RESULT:
        return _xml(answers.envelope(header, answers.unknown_result(code)))
    if answer is Answer.WRONG_BODY:
        return _xml(answers.envelope(header, answers.wrong_body()))
    if answer in _ECHOES:
        return _xml(_answer(checked, answers.found(code, state.people.person(unzr)), _ECHOES[answer]))
    if answer is Answer.EMPTY_STATUS:
        return Response(b"", status_code=behaviour.http_status)
    if answer is Answer.HTML_PAGE:
        page = PROXY_ERROR_PAGE if behaviour.http_status >= 500 else CAPTIVE_PAGE
        return HTMLResponse(page, status_code=behaviour.http_status)
    if answer is Answer.PLAIN_TEXT:
        return PlainTextResponse("Bad Request", status_code=behaviour.http_status)
    if answer is Answer.REDIRECT:
        return Response(b"", status_code=behaviour.http_status, headers={"location": "/"})
    if answer is Answer.TRICKLE:
        found = answers.envelope(header, answers.found(code, state.people.person(unzr)))
        return StreamingResponse(hostile.trickle(found, state.options.slow_seconds), media_type=CONTENT_TYPE)
    return _hostile(answer, header, code, state.people.person(unzr))


def _multipart(
    behaviour: Behaviour, header: etree._Element | None, code: str, person: dict[str, Any]
) -> Response:
    """A multipart/related answer; `behaviour.detail` is `style/content[/fault code]`."""
    assert behaviour.detail is not None
    style_name, content, *fault_code = behaviour.detail.split("/", 2)
    style = multipart_answers.Style(style_name)
    if content == "giant":
        head, tail = hostile.giant_parts(header, code, person)
        stream, content_type = multipart_answers.pack_streamed(style, hostile.giant_stream(head, tail))
        return StreamingResponse(stream, media_type=content_type)
    root_type = None
    if content in ("found", "start"):
        root = answers.envelope(header, answers.found(code, person))
    elif content == "empty":
        root = answers.envelope(header, answers.not_found(code))
    elif content == "fault":
        root = answers.fault(fault_code[0], f"Stand-in register fault {fault_code[0]}")
    elif content == "dtd":
        root = hostile.external_entity(header, code, person)
    elif content == "deep":
        root = hostile.deep(header, code, person)
    elif content == "utf16":
        root, _ = hostile.other_encoding("utf-16-le", header, code, person)
        root_type = "text/xml"
    else:
        raise AssertionError(f"no multipart answer {behaviour.detail}")
    body, content_type = multipart_answers.pack(
        style, root, root_first=content != "start", root_type=root_type
    )
    return Response(body, status_code=behaviour.http_status, media_type=content_type)


def _hostile(answer: Answer, header: etree._Element | None, code: str, person: dict[str, Any]) -> Response:
    if answer in (Answer.GIANT_DECLARED, Answer.GIANT_STREAMED):
        head, tail = hostile.giant_parts(header, code, person)
        length = {"content-length": str(hostile.giant_length(head, tail))}
        return StreamingResponse(
            hostile.giant_stream(head, tail),
            media_type=CONTENT_TYPE,
            headers=length if answer is Answer.GIANT_DECLARED else None,
        )
    builders = {
        Answer.MALFORMED: hostile.malformed,
        Answer.EXTERNAL_ENTITY: hostile.external_entity,
        Answer.BILLION_LAUGHS: hostile.billion_laughs,
        Answer.DEEP: hostile.deep,
        Answer.INVALID_UTF8: hostile.invalid_utf8,
    }
    build = builders.get(answer)
    if build is None:
        raise AssertionError(f"no answer for {answer}")
    return _xml(build(header, code, person))
