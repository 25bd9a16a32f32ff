"""A local HTTP server on 127.0.0.1 that answers like a CKAN portal and an SDMX endpoint, from
recorded responses (tests/sources/fixtures/), with scripted failures."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Reply:
    """One scripted answer. ``truncate``: send only this many bytes of the body (the declared
    Content-Length stays that of the whole); ``chunked``: no Content-Length at all."""

    status: int = 200
    body: bytes = b""
    content_type: str | None = "text/csv"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: int | None = None
    chunked: bool = False


@dataclass
class Resource:
    """A file the server holds: answers conditionals with 304 when its ETag matches."""

    body: bytes
    content_type: str = "text/csv"
    etag: str = '"v1"'
    last_modified: str = "Mon, 03 Jun 2024 08:40:51 GMT"


class Portal:
    def __init__(self):
        self.routes: dict[str, list[Reply] | Resource | Reply] = {}
        self.calls: list[tuple[str, dict[str, str]]] = []
        portal = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):
                path = urlsplit(self.path).path
                portal.calls.append((self.path, dict(self.headers)))
                route = portal.routes.get(path)
                if route is None:
                    return self._send(Reply(404, b'{"success": false}', "application/json"))
                if isinstance(route, list):  # scripted: consumed in order, the last repeats
                    reply = route.pop(0) if len(route) > 1 else route[0]
                elif isinstance(route, Resource):
                    if self.headers.get("If-None-Match") == route.etag:
                        reply = Reply(304, b"", None, {"ETag": route.etag})
                    else:
                        stamp = {"ETag": route.etag, "Last-Modified": route.last_modified}
                        reply = Reply(200, route.body, route.content_type, stamp)
                else:
                    reply = route
                self._send(reply)

            def _send(self, reply: Reply):
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    if reply.content_type:
                        self.send_header("Content-Type", reply.content_type)
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    if reply.chunked:
                        self.send_header("Transfer-Encoding", "chunked")
                        self.end_headers()
                        for i in range(0, len(reply.body), 512):
                            part = reply.body[i : i + 512]
                            self.wfile.write(f"{len(part):x}\r\n".encode() + part + b"\r\n")
                        self.wfile.write(b"0\r\n\r\n")
                        return
                    self.send_header("Content-Length", str(len(reply.body)))
                    if reply.truncate is not None:
                        self.send_header("Connection", "close")
                    self.end_headers()
                    self.wfile.write(reply.body[: reply.truncate])
                    if reply.truncate is not None:
                        self.wfile.flush()
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Portal:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def hits(self, path: str) -> int:
        return sum(1 for p, _ in self.calls if urlsplit(p).path == path)

    def query(self, path: str) -> list[dict]:
        return [parse_qs(urlsplit(p).query) for p, _ in self.calls if urlsplit(p).path == path]

    # recorded CKAN answers, with the portal's own address in their URLs
    def fixture(self, name: str) -> bytes:
        return (FIXTURES / name).read_text(encoding="utf-8").replace("{portal}", self.url).encode()

    def package(self, **changes) -> dict:
        package = json.loads(self.fixture("ckan_package_show.json"))
        package["result"].update(changes)
        return package

    def serve_package(self, package: dict | None = None) -> dict:
        package = package or self.package()
        body = json.dumps(package, ensure_ascii=False).encode()
        self.routes["/api/3/action/package_show"] = Reply(200, body, "application/json")
        return package

    def serve_search(self, packages: list[dict]) -> None:
        result = {"count": len(packages), "results": [p["result"] for p in packages],
                  "facets": {}, "search_facets": {},
                  "sort": "score desc, metadata_modified desc"}  # fmt: skip
        body = json.dumps(
            {"help": f"{self.url}/api/3/action/help_show?name=package_search", "success": True,
             "result": result}, ensure_ascii=False).encode()  # fmt: skip
        self.routes["/api/3/action/package_search"] = Reply(200, body, "application/json")


def resource_path(package: dict, position: int) -> str:
    return urlsplit(package["result"]["resources"][position]["url"]).path
