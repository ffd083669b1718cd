"""A TCP relay in front of the real SMTP server that can hold the server's answer to a message.

The sender talks to the relay, the relay to the mail server, byte for byte. Armed with
`hold_acceptance_for(address)`, it forwards the end of the next message to that address as
usual (so the server stores the message) but holds the server's answer to it until `release`
(other connections go on): the test then acts in
the moment the message is stored and the sender has not yet heard so (kill the sender, stop its
database), which is otherwise a window of a few milliseconds. Works with any SMTP server.
"""

from __future__ import annotations

import asyncio
import contextlib

END_OF_DATA = b"\r\n.\r\n"


class SmtpRelay:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self._upstream = (upstream_host, upstream_port)
        self._server: asyncio.Server | None = None
        self._armed_for: bytes | None = None
        self._held = asyncio.Event()
        self._released = asyncio.Event()
        self._released.set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.connections_opened = 0
        self.connections_open = 0
        self.most_connections_open = 0

    @property
    def port(self) -> int:
        assert self._server is not None, "the relay is not started"
        port: int = self._server.sockets[0].getsockname()[1]
        return port

    async def start(self) -> SmtpRelay:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def stop(self) -> None:
        self.release()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for task in list(self._tasks):
            task.cancel()

    def hold_acceptance_for(self, address: str) -> None:
        self._armed_for = address.encode()
        self._held.clear()
        self._released.clear()

    async def wait_held(self, timeout: float = 30.0) -> None:
        """Until the server has answered a message whose answer is now held."""
        await asyncio.wait_for(self._held.wait(), timeout)

    def release(self) -> None:
        self._armed_for = None
        self._released.set()

    async def _serve(
        self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter
    ) -> None:
        server_in, server_out = await asyncio.open_connection(*self._upstream)
        self.connections_opened += 1
        self.connections_open += 1
        self.most_connections_open = max(self.most_connections_open, self.connections_open)
        message_ended = asyncio.Event()
        upward = asyncio.create_task(self._pump_up(client_in, server_out, message_ended))
        downward = asyncio.create_task(self._pump_down(server_in, client_out, message_ended))
        self._tasks |= {upward, downward}
        try:
            await asyncio.wait({upward, downward}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            self.connections_open -= 1
            for task in (upward, downward):
                task.cancel()
                self._tasks.discard(task)
            for writer in (client_out, server_out):
                with contextlib.suppress(Exception):
                    writer.close()

    async def _pump_up(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        message_ended: asyncio.Event,
    ) -> None:
        transaction = b""  # what the client sent since the end of its last message
        while chunk := await reader.read(65536):
            transaction += chunk
            if transaction.endswith(END_OF_DATA):
                # Before forwarding: the server may answer before this task runs again.
                if self._armed_for is not None and self._armed_for in transaction:
                    self._armed_for = None
                    message_ended.set()
                transaction = b""
            writer.write(chunk)
            await writer.drain()

    async def _pump_down(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        message_ended: asyncio.Event,
    ) -> None:
        while chunk := await reader.read(65536):
            if message_ended.is_set():
                # The server's answer to the armed message: it has stored it by now.
                message_ended.clear()
                self._held.set()
                await self._released.wait()
            writer.write(chunk)
            await writer.drain()
