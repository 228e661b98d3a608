"""Free TCP ports on the loopback interface."""

from __future__ import annotations

import socket

HOST = "127.0.0.1"  # every server the tests and the benchmark start listens here, and nowhere else


def free_port() -> int:
    """A port nobody listens on now (the OS picks it; a race with another process is unlikely)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]
