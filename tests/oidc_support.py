"""A minimal OpenID Connect discovery endpoint for tests that need a reachable provider
but no login (configure-oidc's checks, the error pages)."""

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def discovery_server(issuer=None):
    """Serve /.well-known/openid-configuration on a free loopback port; yields the base
    URL. ``issuer`` overrides the announced issuer (default: the base URL itself)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's naming)
            base = f"http://127.0.0.1:{self.server.server_port}"
            if self.path != "/.well-known/openid-configuration":
                self.send_error(404)
                return
            body = json.dumps({
                "issuer": issuer or base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "userinfo_endpoint": base + "/userinfo",
                "jwks_uri": base + "/jwks",
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
