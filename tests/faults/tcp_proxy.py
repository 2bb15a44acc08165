"""A tiny TCP proxy on 127.0.0.1 whose link to the target can be cut and restored, to fake a database outage.

`cut()` closes every open connection and stops listening (new connections are refused, as when the
server is down); `restore()` listens again on the same port. The real server is never touched.
"""
from __future__ import annotations

import asyncio
import contextlib


class TcpProxy:
    def __init__(self, target_host: str = "127.0.0.1", target_port: int = 5432) -> None:
        self.target_host, self.target_port = target_host, target_port
        self.port = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> int:
        """Listen on 127.0.0.1 (a free port the first time, the same port afterwards); returns the port."""
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    def cut_now(self) -> None:
        """Synchronous cut, usable from inside a SQLAlchemy event hook: abort every link, stop listening."""
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._transports):
            transport.abort()
        self._transports.clear()

    async def cut(self) -> None:
        self.cut_now()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def restore(self) -> None:
        if self._server is None:
            await self.start()

    async def close(self) -> None:
        await self.cut()

    async def _handle(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(self.target_host, self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        links = (client_writer.transport, upstream_writer.transport)
        self._transports.update(links)
        pipes = [asyncio.ensure_future(self._pipe(client_reader, upstream_writer)),
                 asyncio.ensure_future(self._pipe(upstream_reader, client_writer))]
        self._tasks.update(pipes)
        try:
            await asyncio.wait(pipes, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for pipe in pipes:
                pipe.cancel()
            self._tasks.difference_update(pipes)
            for transport in links:
                transport.abort()
                self._transports.discard(transport)

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
