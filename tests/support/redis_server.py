"""A redis-server of the tests' own, on a free port, that a test may stop and start again."""

from __future__ import annotations

import shutil
import subprocess
import time
from contextlib import contextmanager
from typing import Iterator

from tests.support.ports import HOST, free_port


@contextmanager
def private_redis() -> Iterator["PrivateRedis"]:
    """A redis-server of our own on a free port, that a test may stop and start again."""
    redis = PrivateRedis(free_port())
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


class PrivateRedis:
    """A throw-away redis-server on 127.0.0.1 (nothing saved to disk)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://{HOST}:{port}/0"
        self.process = None

    def start(self) -> None:
        """Start it and wait until it answers."""
        import redis

        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not installed (the production set-up needs Redis)")
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", HOST, "--save", "",
                                         "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host=HOST, port=self.port)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.exceptions.ConnectionError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        """Stop it (nothing is saved) and wait until the process is gone."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
