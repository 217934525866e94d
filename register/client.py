"""The async client of the EIS MVS `unzr` service, through the own Trembita security server.

One `lookup` is one HTTP POST with a fresh X-Road message id. Whatever goes wrong on the register's
side (connection, timeout, status, fault, hostile or inconsistent answer) comes back as a `Failure`
whose `kind` says whether a retry may help; `lookup` does not raise for it. Retrying is the caller's job.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
import traceback
import uuid
from types import TracebackType
from typing import Self

import httpx

from register.answer_parsing import interpret_answer
from register.fault_codes import fault_label
from register.outcome import Empty, Failure, FailureKind, Found, LookupOutcome
from register.xroad import RequestHeaders, build_request, parse_client_id, parse_service_id
from settings import Settings
from unzr.validation import InvalidUnzr, validate_unzr

log = logging.getLogger("register.client")

# SOAP 1.1 over HTTP. Compression is refused so that the size cap counts the bytes we actually hold.
_REQUEST_HEADERS = {
    "Content-Type": "text/xml; charset=utf-8",
    "SOAPAction": '""',
    "Accept": "text/xml",
    "Accept-Encoding": "identity",
}
DEFAULT_MAX_CONNECTIONS = 100


class _AnswerTooLarge(Exception):
    pass


class _CompressedAnswer(Exception):
    pass


class RegisterClient:
    """Looks people up in the register. One pooled HTTP client per instance; close it with `aclose()`
    or use the instance as an async context manager."""

    def __init__(self, settings: Settings, *, http: httpx.AsyncClient | None = None) -> None:
        self._settings = settings
        self._url = settings.register_url
        if not self._url.startswith(("https://", "http://")):
            raise ValueError("register URL must be http(s)")
        self._client_id = parse_client_id(settings.xroad_client)
        self._service_id = parse_service_id(settings.xroad_service)
        self._timeout = _timeouts(settings)
        self._owns_http = http is None
        self._http = http if http is not None else _new_http_client(settings, self._timeout)

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        return cls(settings)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the pooled connections, unless the HTTP client was handed in (its owner closes it)."""
        if self._owns_http:
            await self._http.aclose()

    async def lookup(self, unzr: str, *, issue: str | None = None) -> LookupOutcome:
        """Ask the register once for `unzr` (sent exactly as given). `issue` ties the message to the job
        that sends it and must not hold personal data. An invalid UNZR is not sent: it comes back as a
        permanent `InvalidUnzr` failure with an empty message id."""
        started = time.perf_counter()
        try:
            validate_unzr(unzr)
        except InvalidUnzr as invalid:
            outcome: LookupOutcome = Failure("permanent", "InvalidUnzr", str(invalid), message_id="")
        else:
            outcome = await self._exchange(unzr, issue)
        _log_outcome(outcome, started)
        return outcome

    async def _exchange(self, unzr: str, issue: str | None) -> LookupOutcome:
        headers = RequestHeaders(
            client=self._client_id,
            service=self._service_id,
            message_id=str(uuid.uuid4()),
            user_id=self._settings.xroad_user_id,
            issue=issue,
        )
        envelope = build_request(headers, unzr)
        message_id = headers.message_id
        settings = self._settings

        def failure(kind: FailureKind, code: str, message: str) -> Failure:
            return Failure(kind=kind, code=code, message=message, message_id=message_id)

        try:
            # The overall deadline also bounds an answer that trickles in a byte at a time, which the
            # per-read timeout alone would let run forever.
            async with asyncio.timeout(settings.register_timeout):
                # Timeout and redirects per request too, so a shared HTTP client cannot loosen them.
                async with self._http.stream(
                    "POST",
                    self._url,
                    content=envelope,
                    headers=_REQUEST_HEADERS,
                    timeout=self._timeout,
                    follow_redirects=False,
                ) as response:
                    body = await _read_capped(response, settings.register_max_answer_bytes)
                    status = response.status_code
                    content_type = response.headers.get("content-type")
        except TimeoutError:
            return failure("transient", "Timeout", f"no complete answer within {settings.register_timeout} s")
        except httpx.TimeoutException as exc:
            return failure(
                "transient", "Timeout", f"the register did not answer in time ({type(exc).__name__})"
            )
        except httpx.ConnectError as exc:
            if _certificate_rejected(exc):
                return failure("permanent", "TlsError", "the security server's certificate was not accepted")
            return failure("transient", "ConnectError", "could not connect to the security server")
        except httpx.TransportError as exc:
            return failure("transient", "TransportError", f"the exchange broke off ({type(exc).__name__})")
        except _AnswerTooLarge:
            limit = settings.register_max_answer_bytes
            return failure("permanent", "AnswerTooLarge", f"answer refused: larger than {limit} bytes")
        except _CompressedAnswer:
            return failure("permanent", "MalformedAnswer", "answer refused: compressed although not asked")
        try:
            return interpret_answer(
                status=status,
                content_type=content_type,
                body=body,
                sent=headers,
                unzr=unzr,
                max_depth=settings.register_max_depth,
            )
        except Exception as exc:
            # A bug met by an odd answer. The exception's text may quote the answer, so only its type
            # and the code path are logged.
            log.error(
                "register answer id=%s could not be read: %s\n%s",
                message_id,
                type(exc).__name__,
                "".join(traceback.format_tb(exc.__traceback__)),
            )
            return failure("permanent", "MalformedAnswer", "the answer could not be read")


async def _read_capped(response: httpx.Response, limit: int) -> bytes:
    """The raw body, refused as soon as it is known to exceed `limit` (declared or streamed)."""
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise _CompressedAnswer
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _AnswerTooLarge
    body = bytearray()
    async for chunk in response.aiter_raw():
        body += chunk
        if len(body) > limit:
            raise _AnswerTooLarge
    return bytes(body)


def _certificate_rejected(exc: BaseException) -> bool:
    # A certificate that does not verify is configuration, not weather: retrying will not fix it.
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _timeouts(settings: Settings) -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.register_connect_timeout,
        read=settings.register_timeout,
        write=settings.register_timeout,
        pool=settings.register_connect_timeout,
    )


def _new_http_client(settings: Settings, timeout: httpx.Timeout) -> httpx.AsyncClient:
    limits = httpx.Limits(
        max_connections=DEFAULT_MAX_CONNECTIONS,
        max_keepalive_connections=DEFAULT_MAX_CONNECTIONS // 5,
        keepalive_expiry=30.0,
    )
    # Plain http is only ever a loopback stand-in (the settings refuse anything else): no TLS to verify,
    # and building a verifying context costs tens of milliseconds per client.
    verify: ssl.SSLContext | bool = (
        _tls_context(settings) if settings.register_url.startswith("https://") else False
    )
    # trust_env=False: proxy variables must never route personal data past the own security server.
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        verify=verify,
        follow_redirects=False,
        trust_env=False,
    )


def _tls_context(settings: Settings) -> ssl.SSLContext:
    if settings.register_tls_ca is not None:
        context = ssl.create_default_context(cafile=str(settings.register_tls_ca))
    else:
        context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if settings.register_tls_cert is not None and settings.register_tls_key is not None:
        context.load_cert_chain(str(settings.register_tls_cert), str(settings.register_tls_key))
    return context


def _log_outcome(outcome: LookupOutcome, started: float) -> None:
    elapsed_ms = round((time.perf_counter() - started) * 1000)
    if isinstance(outcome, Found):
        log.info("register lookup id=%s outcome=found elapsed_ms=%d", outcome.message_id, elapsed_ms)
    elif isinstance(outcome, Empty):
        log.info("register lookup id=%s outcome=empty elapsed_ms=%d", outcome.message_id, elapsed_ms)
    else:
        log.warning(
            "register lookup id=%s outcome=%s code=%s elapsed_ms=%d",
            outcome.message_id,
            f"{outcome.kind}_error",
            fault_label(outcome.code),  # the register's own code may be any text
            elapsed_ms,
        )
