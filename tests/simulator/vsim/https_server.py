"""HTTP/1.1 over TLS for the simulator: the server, message framing (as vCenter's Envoy frames it) and the request
handler that routes /sdk to the SOAP dispatch (vsim/server.py), GET /vimServiceVersions.xml and the /_sim/* control
endpoints. Nothing here knows SOAP; /_sim/vmotion hands its settings to vsim/vmotion.py."""

import gzip
import json
import re
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import vmotion


class TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 512  # 64+ clients may connect at once

    def __init__(self, address, handler, context, sim):
        self.sim = sim
        super().__init__(address, handler)
        # The TLS handshake runs in the connection's thread, so a slow client cannot stall accept().
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)

    def finish_request(self, request, client_address):
        try:
            request.do_handshake()
        except (ssl.SSLError, OSError):
            return
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], OSError):
            return  # the client went away (reset, TLS EOF): not a simulator error
        super().handle_error(request, client_address)


# --- HTTP/1.1 message framing ---------------------------------------------------------------
# vCenter 8 and ESXi 8 answer on 443 through Envoy, whose HTTP/1 codec and compressor filter are the model here
# (sources in tests/simulator/README.md, "HTTP"): a body whose framing cannot be read is answered with 400
# (413 too large, 501 for a transfer coding other than chunked) and the connection is closed; a client that
# closes inside a body gets no answer at all.

MAX_BODY_BYTES = 32 * 1024 * 1024  # the largest SOAP request a client sends is a few hundred KiB
MAX_FRAMING_LINE = 4096  # a chunk-size line or a trailer field
GZIP_MIN_BYTES = 30  # Envoy's compressor leaves smaller answers as they are
GZIP_LEVEL = 1  # only the size depends on it; the fastest keeps the 2-core test machine's time
GZIP_CHUNK_BYTES = 16 * 1024
_DIGITS = re.compile(rb"[0-9]+")
_HEX_DIGITS = re.compile(rb"[0-9A-Fa-f]{1,15}")


class _Refused(Exception):
    """A request whose body cannot be read: answered with `status`, then the connection is closed."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status


class _Truncated(Exception):
    """The client closed the connection inside a request body: nothing is answered."""


def body_framing(headers):
    """("chunked", None) or ("length", n) for a request's headers, refused as Envoy's HTTP/1 codec refuses them."""
    lengths = [value.strip().encode("latin-1") for value in headers.get_all("Content-Length") or []]
    codings = ",".join(headers.get_all("Transfer-Encoding") or [])
    if lengths and codings:
        raise _Refused(400, "both Content-Length and Transfer-Encoding are set")
    if codings:
        if [coding.strip().lower() for coding in codings.split(",")] != ["chunked"]:
            raise _Refused(501, "unsupported transfer encoding: {0}".format(codings))
        return "chunked", None
    if len(set(lengths)) > 1 or not all(_DIGITS.fullmatch(value) for value in lengths):
        raise _Refused(400, "invalid Content-Length")
    length = int(lengths[0]) if lengths else 0
    if length > MAX_BODY_BYTES:
        raise _Refused(413, "request body over {0} bytes".format(MAX_BODY_BYTES))
    return "length", length


def read_exact(rfile, length):
    data = rfile.read(length)
    if len(data) < length:
        raise _Truncated()
    return data


def _framing_line(rfile):
    line = rfile.readline(MAX_FRAMING_LINE + 1)
    if len(line) > MAX_FRAMING_LINE:
        raise _Refused(400, "chunk line too long")
    if not line.endswith(b"\n"):
        raise _Truncated()
    if not line.endswith(b"\r\n"):
        raise _Refused(400, "chunk line not ended by CRLF")
    return line[:-2]


def read_chunked(rfile):
    """A chunked body (RFC 9112 section 7.1); chunk extensions and trailer fields are read and ignored."""
    parts, size = [], 0
    while True:
        chunk_size = _framing_line(rfile).split(b";", 1)[0].strip(b" \t")
        if not _HEX_DIGITS.fullmatch(chunk_size):
            raise _Refused(400, "invalid chunk size")
        chunk_size = int(chunk_size, 16)
        if chunk_size == 0:
            break
        size += chunk_size
        if size > MAX_BODY_BYTES:
            raise _Refused(413, "request body over {0} bytes".format(MAX_BODY_BYTES))
        parts.append(read_exact(rfile, chunk_size))
        if read_exact(rfile, 2) != b"\r\n":
            raise _Refused(400, "chunk data longer than its size")
    while _framing_line(rfile):
        pass  # trailer fields, up to the empty line
    return b"".join(parts)


def accepts_gzip(accept_encoding):
    """Envoy's compressor rule: gzip, else `*`, listed with a weight above 0 (gzip;q=0 refuses even with *)."""
    weights = {}
    for item in (accept_encoding or "").split(","):
        name, *params = item.split(";")
        weight = 1.0
        for param in params:
            key, value = (param.split("=", 1) + [""])[:2]
            if key.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name.strip():
            weights[name.strip().lower()] = weight
    return weights.get("gzip", weights.get("*", 0.0)) > 0


def gzip_chunked(body):
    """The body gzip-compressed in chunked framing, as Envoy's compressor streams it (no Content-Length)."""
    data = gzip.compress(body, compresslevel=GZIP_LEVEL)
    chunks = [data[start:start + GZIP_CHUNK_BYTES] for start in range(0, len(data), GZIP_CHUNK_BYTES)]
    return b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks) + b"0\r\n\r\n"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: pyVmomi pools its connections
    # Headers and body leave in two writes; without TCP_NODELAY the client's delayed ACK adds ~40 ms per call.
    disable_nagle_algorithm = True
    server_version = "VMware-vsim/8.0.3"
    timeout = 300  # idle keep-alive connections are closed after this

    def log_message(self, format, *args):  # noqa: A002 - signature of the base class
        pass

    @property
    def sim(self):
        return self.server.sim

    def parse_request(self):
        self.expects_continue = False
        return super().parse_request()

    def handle_expect_100(self):
        self.expects_continue = True  # "100 Continue" waits until the body's framing is accepted (see _body)
        return True

    def _send(self, status, body, content_type="text/xml; charset=utf-8", cookie=None):
        # gzip answers are chunked, which an HTTP/1.0 client cannot read
        compress = (self.request_version == "HTTP/1.1" and content_type.startswith("text/xml") and len(body) >= GZIP_MIN_BYTES
                    and accepts_gzip(self.headers.get("Accept-Encoding")))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if compress:
            body = gzip_chunked(body)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Vary", "Accept-Encoding")
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(len(body)))
        if cookie:
            self.send_header("Set-Cookie", cookie)
        self.end_headers()
        self.wfile.write(body)

    def _json(self, data, status=200):
        self._send(status, json.dumps(data, sort_keys=True).encode("utf-8"), "application/json")

    def _refuse(self, status, reason):
        body = (reason + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def _body(self):
        """The request body; None when the request was refused or cut off (the connection then closes)."""
        try:
            framing, length = body_framing(self.headers)
            if self.expects_continue:
                self.send_response_only(100)
                self.end_headers()
            return read_chunked(self.rfile) if framing == "chunked" else read_exact(self.rfile, length)
        except _Refused as refusal:
            self._refuse(refusal.status, str(refusal))
        except _Truncated:
            self.close_connection = True
        return None

    def do_GET(self):
        if self._body() is None:
            return  # a GET may carry a body too: read (or refuse) it so that the next request starts right
        if self.path == "/sdk/vimServiceVersions.xml":
            self._send(200, self.sim.service_versions())
        elif self.path == "/_sim/stats":
            self._json(self.sim.stats())
        elif self.path == "/_sim/state":
            self._json(self.sim.state())
        else:
            self._send(404, b"not found", "text/plain")

    def do_POST(self):
        body = self._body()
        if body is None:
            return
        if self.path.startswith("/_sim/"):
            self._control(self.path[len("/_sim/"):], body)
            return
        if self.path != "/sdk":
            self._send(404, b"not found", "text/plain")
            return
        status, payload, cookie = self.sim.handle_soap(body, self.headers)
        if payload is None:
            self.close_connection = True  # injected drop: no answer at all
            return
        self._send(status, payload, cookie=cookie)

    def _control(self, action, body):
        try:
            data = json.loads(body or b"{}")
            if action == "reset":
                self.sim.reset()
            elif action == "fault":
                self.sim.inject_fault(data)
            elif action == "latency":
                self.sim.config.latency_ms = float(data.get("ms", 0))
            elif action == "log":
                self.sim.set_log(data["host"], data.get("lines", []), append=bool(data.get("append")))
            elif action in ("cable", "link", "physical", "hint", "router"):
                self.sim.physical_control(action, data)
            elif action == "host_state":
                self.sim.set_host_state(data["host"], data["state"])
            elif action == "vmotion":
                with self.sim.inv.lock:
                    vmotion.configure(self.sim.inv, data, "/_sim/vmotion")
            else:
                self._json({"error": "unknown control endpoint"}, 404)
                return
        except (ValueError, KeyError) as exc:
            self._json({"error": str(exc)}, 400)
            return
        self._json({"ok": True})
