"""A TCP proxy on loopback that can make its upstream (PostgreSQL) unreachable on command.

While it forwards, bytes pass both ways untouched. An outage (`unreachable()`) models a network
partition in front of the server:

- connections open when it starts stall: nothing passes in either direction;
- new connections are accepted and held without an answer (as if the SYN were lost and the client's
  connect waits), never reaching the upstream;
- when it ends, every stalled or held connection is reset (RST), as after a failover, and forwarding
  resumes for new connections.

So a client sees hanging queries, hanging connects, and then broken connections it must replace.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field

_CHUNK = 64 * 1024


@dataclass
class ProxyCounts:
    accepted: int = 0
    held: int = 0
    reset: int = 0
    outages: int = 0
    outage_seconds: float = 0.0


@dataclass(eq=False)
class _Connection:
    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter | None = None
    tasks: list[asyncio.Task[None]] = field(default_factory=list)


class TcpProxy:
    """`async with TcpProxy(host, port) as proxy:` listens on `proxy.host:proxy.port`."""

    def __init__(self, upstream_host: str, upstream_port: int, *, host: str = "127.0.0.1") -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.host = host
        self.counts = ProxyCounts()
        self._port: int | None = None
        self._server: asyncio.Server | None = None
        self._open = asyncio.Event()
        self._open.set()
        self._connections: set[_Connection] = set()

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the proxy is not listening")
        return self._port

    @property
    def reachable(self) -> bool:
        return self._open.is_set()

    async def __aenter__(self) -> TcpProxy:
        self._server = await asyncio.start_server(self._accept, self.host, 0)
        self._port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._server is not None:
            self._server.close()
        self._open.set()
        self._reset_all()
        if self._server is not None:
            await self._server.wait_closed()

    async def unreachable(self, seconds: float) -> None:
        """An outage of `seconds`: stall and hold everything, then reset it all and forward again."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        self.counts.outages += 1
        self._open.clear()
        try:
            # The outage lasts this long by definition; nothing to synchronise with.
            await asyncio.sleep(seconds)
        finally:
            self._reset_all()
            self._open.set()
            self.counts.outage_seconds += loop.time() - started

    def _reset_all(self) -> None:
        for connection in list(self._connections):
            self._reset(connection)

    def _reset(self, connection: _Connection) -> None:
        if connection not in self._connections:
            return
        self._connections.discard(connection)
        self.counts.reset += 1
        for writer in (connection.client, connection.upstream):
            if writer is not None:
                _abort_with_rst(writer)
        for task in connection.tasks:
            task.cancel()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.counts.accepted += 1
        connection = _Connection(client=client_writer)
        self._connections.add(connection)
        try:
            if not self._open.is_set():
                self.counts.held += 1
                # Held without an answer; the end of the outage resets it before forwarding resumes.
                await self._open.wait()
                if connection not in self._connections:
                    return
            upstream_reader, upstream_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except (OSError, asyncio.CancelledError):
            self._reset(connection)
            return
        if connection not in self._connections:  # reset while connecting
            _abort_with_rst(upstream_writer)
            return
        connection.upstream = upstream_writer
        pumps = [
            asyncio.create_task(self._pump(client_reader, upstream_writer)),
            asyncio.create_task(self._pump(upstream_reader, client_writer)),
        ]
        connection.tasks.extend(pumps)
        await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        # One side closed: close both, gracefully (this is not a fault).
        if connection in self._connections:
            self._connections.discard(connection)
            for task in pumps:
                task.cancel()
            for writer in (client_writer, upstream_writer):
                with contextlib.suppress(OSError, RuntimeError):
                    writer.close()

    async def _pump(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, ConnectionError):
            while True:
                data = await reader.read(_CHUNK)
                if not data:
                    return
                # During an outage the bytes wait here; the outage's end resets the connection.
                await self._open.wait()
                writer.write(data)
                await writer.drain()


def _abort_with_rst(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
