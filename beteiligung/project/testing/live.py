"""A live production server and a minimal browser, for concurrency tests and benchmarks.

The server is gunicorn with the settings of ``beteiligung serve``; the browser
keeps cookies, sends a Host header (so *.localhost need not resolve) and reads
the CSRF token from forms, as a person's browser would.
"""

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[3]  # the checkout
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def database_url(name):
    """DATABASE_URL of this process, pointed at the database ``name`` on the same server."""
    from urllib.parse import urlsplit, urlunsplit

    return urlunsplit(urlsplit(os.environ["DATABASE_URL"])._replace(path="/" + name))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(app="beteiligung.project.wsgi:application", port=None, workers=2, threads=8,
                   env=None, timeout=60):
    port = port or free_port()
    command = [
        sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers), "--worker-class", "gthread", "--threads", str(threads),
        "--log-level", "warning", "--backlog", "2048",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})})
    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            process.port = port
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn {app} did not start on port {port}")


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


class Browser:
    """One visitor: cookies, and one keep-alive connection, as a browser keeps it."""

    def __init__(self, port, host, timeout=60, headers=None):
        self.port, self.host, self.timeout = port, host, timeout
        self.headers = dict(headers or {})  # sent with every request, e.g. X-Forwarded-For
        self.cookies = {}
        self._connection = None

    def request(self, method, path, data=None):
        headers = {"Host": self.host, **self.headers}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        while True:
            reused = self._connection is not None
            if not reused:
                self._connection = http.client.HTTPConnection("127.0.0.1", self.port,
                                                              timeout=self.timeout)
            try:
                self._connection.request(method, path, body=body, headers=headers)
                response = self._connection.getresponse()
                content = response.read().decode("utf-8", "replace")
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()
                if reused:  # the server had closed the idle connection: send it again, as browsers do
                    continue
                raise
            except BaseException:
                self.close()
                raise
            if response.will_close:
                self.close()
            for header in response.headers.get_all("Set-Cookie") or []:
                for key, morsel in SimpleCookie(header).items():
                    self.cookies[key] = morsel.value
            return response.status, response.headers, content

    def close(self):
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, data):
        return self.request("POST", path, data)

    def form_token(self, path):
        """GET a page with a form and return its CSRF token."""
        status, _headers, content = self.get(path)
        match = CSRF_RE.search(content)
        if status != 200 or not match:
            raise RuntimeError(f"no form at {path}: HTTP {status}")
        return match.group(1)
