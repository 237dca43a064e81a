"""moto's DynamoDB as a real HTTP server on loopback, for the calendar's tests and benchmark.

moto's own server app, served by werkzeug on 127.0.0.1. moto applies a request in several Python
steps, and its backend takes no lock, so two threads could interleave inside one conditional put.
DynamoDB applies each request atomically; the lock below gives moto that same guarantee (requests
still arrive over many connections at once). It is a property of the emulator, not of the calendar.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "calendar-test", "AWS_SECRET_ACCESS_KEY": "calendar-test"}
"""What moto's server accepts; the calendar reads them through boto3's usual chain (its environment)."""


@contextmanager
def dynamodb_server() -> Iterator[str]:
    """Serve moto's DynamoDB on a free loopback port; yields its endpoint URL."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    dispatcher = DomainDispatcherApplication(create_backend_app)
    one_at_a_time = threading.Lock()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        with one_at_a_time:
            return list(dispatcher(environ, start_response))

    class Quiet(MotoRequestHandler):
        def log_request(self, *args: Any, **kwargs: Any) -> None:
            pass

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
