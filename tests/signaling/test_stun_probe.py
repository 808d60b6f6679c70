"""STUN servers that do not answer are left out of what peers are told to use."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import AsyncIterator

import pytest

from signaling.stun_probe import (
    BINDING_SUCCESS,
    MAGIC_COOKIE,
    StunHealth,
    binding_request,
    host_and_port,
    is_answer_to,
    stun_answers,
)


class _Responder(asyncio.DatagramProtocol):
    """A minimal STUN server at the edge of the test: answers every binding request."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.requests = 0

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.requests += 1
        header = struct.pack("!HHI", BINDING_SUCCESS, 0, MAGIC_COOKIE)
        self.transport.sendto(header + data[8:20], addr)  # type: ignore[attr-defined]


@pytest.fixture
async def live_stun() -> AsyncIterator[tuple[str, _Responder]]:
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        _Responder, local_addr=("127.0.0.1", 0)
    )
    port = transport.get_extra_info("sockname")[1]
    yield f"stun:127.0.0.1:{port}", protocol
    transport.close()


def _silent_port() -> int:
    """A UDP port with a socket that reads nothing and answers nothing."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    _silent_sockets.append(sock)
    return sock.getsockname()[1]


_silent_sockets: list[socket.socket] = []


class TestMessages:
    def test_a_response_must_carry_our_transaction_id(self) -> None:
        tid = b"0123456789ab"
        answer = struct.pack("!HHI", BINDING_SUCCESS, 0, MAGIC_COOKIE) + tid
        assert is_answer_to(answer, tid)
        assert not is_answer_to(answer, b"ba9876543210")
        assert not is_answer_to(binding_request(tid), tid)  # a request is not an answer
        assert not is_answer_to(b"short", tid)

    @pytest.mark.parametrize(
        ("url", "expected"),
        [
            ("stun:stun.example.jp", ("stun.example.jp", 3478)),
            ("stun:127.0.0.1:19302", ("127.0.0.1", 19302)),
            ("stun:[::1]:3478", ("::1", 3478)),
            ("turn:turn.example.jp:3478", None),
            ("stun:host:notaport", None),
        ],
    )
    def test_urls(self, url: str, expected: tuple[str, int] | None) -> None:
        assert host_and_port(url) == expected


class TestProbe:
    async def test_an_answering_server_is_kept_and_a_silent_one_dropped(
        self, live_stun: tuple[str, _Responder]
    ) -> None:
        answering, responder = live_stun
        silent = f"stun:127.0.0.1:{_silent_port()}"
        assert await stun_answers(answering, 0.5)
        assert not await stun_answers(silent, 0.3)
        health = StunHealth(timeout=0.3)
        assert await health.answering([silent, answering]) == [answering]
        assert responder.requests >= 2

    async def test_results_are_remembered_until_they_go_stale(
        self, live_stun: tuple[str, _Responder]
    ) -> None:
        answering, responder = live_stun
        now = [1000.0]
        health = StunHealth(ttl=60, timeout=0.3, clock=lambda: now[0])
        await health.answering([answering])
        asked = responder.requests
        await health.answering([answering])
        assert responder.requests == asked  # cached: no new probe
        now[0] += 61
        await health.answering([answering])
        assert responder.requests > asked
