"""A TLS terminator in front of a plain gRPC server (the Temporal dev server), as a load balancer or
ingress would stand in front of a real cluster: it accepts TLS with ALPN `h2` (gRPC needs it),
optionally requires a client certificate signed by its CA, and forwards the bytes unchanged.

It also reads the HTTP/2 frames the client sends (hyperframe and hpack, the parts of the `h2` project)
and keeps the request headers, so a test sees what metadata reached the server side."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from hpack import Decoder
from hyperframe.frame import ContinuationFrame, Frame, HeadersFrame

from tests.support.throwaway_pki import ThrowawayPki

_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
_FRAME_HEADER = 9


class Http2RequestHeaders:
    """Parses the client-to-server byte stream of one connection and collects each request's headers."""

    def __init__(self, sink: list[dict[str, str]]) -> None:
        self._buffer = b""
        self._preface_seen = False
        self._decoder = Decoder()
        self._block = b""
        self._sink = sink
        self.broken = False

    def feed(self, data: bytes) -> None:
        if self.broken:
            return
        self._buffer += data
        try:
            self._parse()
        except Exception:  # not HTTP/2 after all: keep forwarding, stop reading
            self.broken = True

    def _parse(self) -> None:
        if not self._preface_seen:
            if len(self._buffer) < len(_PREFACE):
                return
            if not self._buffer.startswith(_PREFACE):
                raise ValueError("no HTTP/2 preface")
            self._buffer = self._buffer[len(_PREFACE) :]
            self._preface_seen = True
        while len(self._buffer) >= _FRAME_HEADER:
            frame, length = Frame.parse_frame_header(memoryview(self._buffer[:_FRAME_HEADER]))
            if len(self._buffer) < _FRAME_HEADER + length:
                return
            frame.parse_body(memoryview(self._buffer[_FRAME_HEADER : _FRAME_HEADER + length]))
            self._buffer = self._buffer[_FRAME_HEADER + length :]
            if isinstance(frame, HeadersFrame | ContinuationFrame):
                self._block += frame.data
                if "END_HEADERS" in frame.flags:
                    # The dynamic table is shared by the connection: every block is decoded, in order.
                    headers = self._decoder.decode(self._block, raw=False)
                    self._sink.append({str(name): str(value) for name, value in headers})
                    self._block = b""


@dataclass
class TlsTerminator:
    address: str
    request_headers: list[dict[str, str]] = field(default_factory=list)
    handshakes_ok: int = 0
    handshakes_failed: int = 0
    client_subjects: list[str] = field(default_factory=list)
    alpn: list[str | None] = field(default_factory=list)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, observer: Http2RequestHeaders | None
) -> None:
    try:
        while data := await reader.read(65536):
            if observer is not None:
                observer.feed(data)
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


@contextlib.asynccontextmanager
async def tls_terminator(
    upstream: str, pki: ThrowawayPki, *, require_client_cert: bool
) -> AsyncIterator[TlsTerminator]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.server_cert, pki.server_key)
    context.set_alpn_protocols(["h2"])
    if require_client_cert:
        context.load_verify_locations(pki.ca)
        context.verify_mode = ssl.CERT_REQUIRED
    upstream_host, upstream_port = upstream.rsplit(":", 1)
    state = TlsTerminator(address="")
    tasks: set[asyncio.Task[None]] = set()

    async def handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            # TLS here rather than in start_server: asyncio drops a refused handshake silently there.
            await client_writer.start_tls(context)
        except (ssl.SSLError, OSError):
            state.handshakes_failed += 1
            client_writer.close()
            return
        ssl_object = client_writer.get_extra_info("ssl_object")
        state.handshakes_ok += 1
        state.alpn.append(ssl_object.selected_alpn_protocol() if ssl_object else None)
        peer = client_writer.get_extra_info("peercert")
        if peer:
            state.client_subjects.append(str(dict(part[0] for part in peer["subject"]).get("commonName")))
        server_reader, server_writer = await asyncio.open_connection(upstream_host, int(upstream_port))
        observer = Http2RequestHeaders(state.request_headers)
        await asyncio.gather(
            _pipe(client_reader, server_writer, observer), _pipe(server_reader, client_writer, None)
        )

    def on_connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(handle(reader, writer))
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    server = await asyncio.start_server(on_connection, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    state.address = f"127.0.0.1:{port}"
    try:
        yield state
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
