"""A channel of signals between two asyncio loops, with back-pressure both ways.

:class:`StreamChannel` carries pickled frames (4-byte length, then the pickle) over a
connected socket, between the front and a worker process; ``send`` waits while the
socket's buffers are full, so a slow reader slows the writer instead of growing memory.
:func:`memory_pair` gives two ends joined by bounded queues, for a worker inside the
front's own process (tests, small deployments). Both end in :class:`ChannelClosed`.

Pickle is safe here: both ends are processes of the same hub, on a socket pair the front
made before starting the worker, never a network port.
"""

from __future__ import annotations

import asyncio
import pickle
import socket
import struct
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

S = TypeVar("S")
R = TypeVar("R")
S_contra = TypeVar("S_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)
_LENGTH = struct.Struct("!I")
MAX_FRAME = 256 * 1024 * 1024
STREAM_LIMIT = 8 * 1024 * 1024


class ChannelClosed(Exception):
    """The other end is gone."""


class Channel(Protocol[S_contra, R_co]):
    """Sends ``S_contra`` signals, receives ``R_co`` ones."""

    async def send(self, signal: S_contra) -> None: ...

    async def receive(self) -> R_co: ...

    def close(self) -> None: ...


class StreamChannel(Generic[S, R]):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._send_lock = asyncio.Lock()

    @classmethod
    async def over(cls, sock: socket.socket) -> StreamChannel[S, R]:
        reader, writer = await asyncio.open_unix_connection(sock=sock, limit=STREAM_LIMIT)
        return cls(reader, writer)

    async def send(self, signal: S) -> None:
        frame = pickle.dumps(signal, protocol=pickle.HIGHEST_PROTOCOL)
        async with self._send_lock:
            if self._writer.is_closing():
                raise ChannelClosed("channel closed")
            self._writer.write(_LENGTH.pack(len(frame)))
            self._writer.write(frame)
            try:
                await self._writer.drain()
            except (ConnectionError, OSError) as exc:
                raise ChannelClosed(str(exc)) from exc

    async def receive(self) -> R:
        try:
            header = await self._reader.readexactly(_LENGTH.size)
            (length,) = _LENGTH.unpack(header)
            if length > MAX_FRAME:
                raise ChannelClosed(f"frame of {length} bytes")
            frame = await self._reader.readexactly(length)
        except (asyncio.IncompleteReadError, ConnectionError, OSError) as exc:
            raise ChannelClosed(str(exc)) from exc
        signal: R = pickle.loads(frame)
        return signal

    def close(self) -> None:
        self._writer.close()


class _Closed:
    pass


_CLOSED = _Closed()


@dataclass(slots=True)
class _Direction(Generic[S]):
    """One way of a :func:`memory_pair`: a queue with room for ``capacity`` signals (the
    queue itself is unbounded so that closing never waits; the semaphore bounds it)."""

    queue: asyncio.Queue[S | _Closed]
    room: asyncio.Semaphore


class QueueChannel(Generic[S, R]):
    """One end of :func:`memory_pair`."""

    def __init__(self, outgoing: _Direction[S], incoming: _Direction[R]) -> None:
        self._outgoing = outgoing
        self._incoming = incoming
        self._closed = False

    async def send(self, signal: S) -> None:
        if self._closed:
            raise ChannelClosed("channel closed")
        await self._outgoing.room.acquire()
        self._outgoing.queue.put_nowait(signal)

    async def receive(self) -> R:
        item = await self._incoming.queue.get()
        if isinstance(item, _Closed):
            self._incoming.queue.put_nowait(item)  # every later receive ends too
            raise ChannelClosed("channel closed")
        self._incoming.room.release()
        return item

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._outgoing.queue.put_nowait(_CLOSED)


def memory_pair(capacity: int = 1000) -> tuple[QueueChannel[S, R], QueueChannel[R, S]]:
    """Two connected ends: what one sends, the other receives."""
    a_to_b: _Direction[S] = _Direction(asyncio.Queue(), asyncio.Semaphore(capacity))
    b_to_a: _Direction[R] = _Direction(asyncio.Queue(), asyncio.Semaphore(capacity))
    return QueueChannel(a_to_b, b_to_a), QueueChannel(b_to_a, a_to_b)
