"""A TCP relay that can be cut: the network between the bot and the fake Bot API.

``cut()`` stops listening and drops every open connection, as when the network or Telegram
goes away (the bot's requests fail with connection errors, not HTTP answers); ``plug()``
listens again on the same port.
"""

from __future__ import annotations

import asyncio


class Cable:
    """A TCP relay between the bot and the fake Bot API that can be cut: listening stops and
    every open connection is dropped, as when the network or Telegram goes away."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def plug(self) -> None:
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """Drop every connection. Requests already relayed may still reach the other side
        (as on a real network); ``FakeTelegramServer.settle()`` waits until they have."""
        assert self._server is not None
        self._server.close()
        writers, self._writers = self._writers, set()
        for writer in writers:
            writer.transport.abort()
        await self._server.wait_closed()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            writer.transport.abort()
            self._writers.discard(writer)
            return
        if writer not in self._writers:  # cut while connecting upstream: nothing may pass
            up_writer.transport.abort()
            return
        self._writers.add(up_writer)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                dst.transport.abort()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        self._writers -= {writer, up_writer}
