"""HTTP/1.1 as clients that are not pyVmomi speak it, over raw TLS sockets and http.client.

govmomi (govc, Terraform) sends chunked request bodies; every client keeps connections alive; a request the
server cannot read is answered with a clean HTTP error (and the connection closed) or not at all, never with
an answer to a fragment. The model is Envoy, the front end of vCenter 8 and ESXi 8 (README, "HTTP").
"""

import gzip
import http.client
import re
import socket
import ssl

import pytest

from vsim.server import start_simulator

SOAP_HEAD = "POST /sdk HTTP/1.1\r\nHost: vsim\r\nContent-Type: text/xml; charset=utf-8\r\nSOAPAction: urn:vim25/8.0.3.0\r\n"
ENVELOPE = ('<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
            '<soapenv:Body>{0}</soapenv:Body></soapenv:Envelope>')
SERVICE_CONTENT = ENVELOPE.format('<RetrieveServiceContent xmlns="urn:vim25"><_this type="ServiceInstance">ServiceInstance</_this>'
                                  '</RetrieveServiceContent>').encode()
LOGIN = ('<Login xmlns="urn:vim25"><_this type="SessionManager">{0}</_this><userName>administrator@vsphere.local</userName>'
         '<password>VMware1!</password></Login>')


@pytest.fixture(scope="module")
def sim():
    simulator = start_simulator()
    yield simulator
    simulator.stop()


@pytest.fixture()
def tls(sim):
    """A connected TLS socket to the simulator, closed after the test."""
    context = ssl.create_default_context(cafile=sim.cert_paths["ca.pem"])
    sock = context.wrap_socket(socket.create_connection(("127.0.0.1", sim.port), timeout=5), server_hostname="127.0.0.1")
    yield sock
    sock.close()


def chunked(body, size=50):
    """`body` in chunks of `size` bytes, the first with a chunk extension, ended by a trailer field."""
    chunks = [body[start:start + size] for start in range(0, len(body), size)]
    framed = [b"%x;name=value\r\n%s\r\n" % (len(chunks[0]), chunks[0])] + [b"%X\r\n%s\r\n" % (len(c), c) for c in chunks[1:]]
    return b"".join(framed) + b"0\r\nX-Trailer: ignored\r\n\r\n"


def soap_request(body, headers=""):
    return (SOAP_HEAD + "Content-Length: {0}\r\n{1}\r\n".format(len(body), headers)).encode() + body


def chunked_request(body, headers=""):
    return (SOAP_HEAD + "Transfer-Encoding: chunked\r\n{0}\r\n".format(headers)).encode() + chunked(body)


class Reader:
    """Reads answers one after the other from one buffered stream, so pipelined answers are not lost."""

    def __init__(self, sock):
        self.stream = sock.makefile("rb")

    def answer(self):
        """(status, {lower-case header: value}, decoded body) of the next answer; a 100 has no body."""
        status_line = self.stream.readline()
        assert status_line.startswith(b"HTTP/1.1 "), status_line
        status, headers = int(status_line.split()[1]), {}
        for line in iter(self.stream.readline, b"\r\n"):
            name, value = line.decode("latin-1").split(":", 1)
            headers[name.strip().lower()] = value.strip()
        if status == 100:
            return status, headers, b""
        if headers.get("transfer-encoding") == "chunked":
            body = self._chunks()
        else:
            body = self.stream.read(int(headers["content-length"]))
        if headers.get("content-encoding") == "gzip":
            body = gzip.decompress(body)
        return status, headers, body

    def _chunks(self):
        parts = []
        while True:
            size = int(self.stream.readline().split(b";")[0], 16)
            if size == 0:
                assert self.stream.readline() == b"\r\n"
                return b"".join(parts)
            parts.append(self.stream.read(size))
            assert self.stream.read(2) == b"\r\n"

    def closed(self):
        return self.stream.read(1) == b""


def assert_service_content(answer):
    status, body = answer[0], answer[2]
    assert status == 200, body
    assert b"<RetrieveServiceContentResponse" in body and b"SessionManager" in body


def answered_after_close(tls, data, close):
    """Sends `data`, closes the sending side and tells whether the server answered what it had.

    "tls": a close_notify alert; an answer then arrives as application data after it, which OpenSSL reports.
    "tcp": a bare FIN (the client process died); from the shutdown on, the socket reads raw TLS records, and the
    server may close with a close_notify alert (2 bytes of payload), where an HTTP answer does not fit.
    """
    tls.sendall(data)
    if close == "tls":
        try:
            tls.unwrap()
        except ssl.SSLError as error:
            return error.reason == "APPLICATION_DATA_AFTER_CLOSE_NOTIFY"
        return False
    tls.shutdown(socket.SHUT_WR)
    received = b""
    while True:
        data = tls.recv(4096)
        if not data:
            break
        received += data
    sizes = []
    while received:
        sizes.append(int.from_bytes(received[3:5], "big"))
        received = received[5 + sizes[-1]:]
    return any(size > 2 + 1 + 16 + 8 for size in sizes)  # alert + inner type + AEAD tag + TLS 1.2 explicit nonce


def test_chunked_request_body(tls):
    tls.sendall(chunked_request(SERVICE_CONTENT))
    reader = Reader(tls)
    assert_service_content(reader.answer())
    tls.sendall(soap_request(SERVICE_CONTENT))  # the connection is still in step
    assert_service_content(reader.answer())


def test_keep_alive_several_requests_on_one_connection(sim):
    connection = http.client.HTTPSConnection("127.0.0.1", sim.port, context=ssl.create_default_context(cafile=sim.cert_paths["ca.pem"]))
    connection.request("GET", "/sdk/vimServiceVersions.xml")
    answer = connection.getresponse()
    assert answer.status == 200 and b"<version>8.0.3.0</version>" in answer.read()
    sock = connection.sock
    headers = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": "urn:vim25/8.0.3.0"}
    connection.request("POST", "/sdk", body=iter([SERVICE_CONTENT[:100], SERVICE_CONTENT[100:]]), headers=headers, encode_chunked=True)
    answer = connection.getresponse()
    content = answer.read().decode()
    cookie = answer.getheader("Set-Cookie").split(";")[0]
    session_manager = re.search(r'<sessionManager type="SessionManager">([^<]+)<', content).group(1)
    logout = '<Logout xmlns="urn:vim25"><_this type="SessionManager">{0}</_this></Logout>'
    for call in (LOGIN, logout):  # Logout needs the session that Login authenticated
        connection.request("POST", "/sdk", body=ENVELOPE.format(call.format(session_manager)).encode(), headers=dict(headers, Cookie=cookie))
        answer = connection.getresponse()
        assert answer.status == 200, answer.read()
        answer.read()
    assert connection.sock is sock  # four requests, one connection
    connection.close()


def test_pipelined_requests_are_answered_in_order(tls):
    tls.sendall(soap_request(SERVICE_CONTENT) + chunked_request(SERVICE_CONTENT)
                + b"GET /sdk/vimServiceVersions.xml HTTP/1.1\r\nHost: vsim\r\n\r\n" + soap_request(SERVICE_CONTENT))
    reader = Reader(tls)
    assert_service_content(reader.answer())
    assert_service_content(reader.answer())
    status, _headers, body = reader.answer()
    assert status == 200 and body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n<namespaces')
    assert_service_content(reader.answer())


def test_expect_100_continue(tls):
    tls.sendall((SOAP_HEAD + "Content-Length: {0}\r\nExpect: 100-continue\r\n\r\n".format(len(SERVICE_CONTENT))).encode())
    reader = Reader(tls)
    assert reader.answer()[0] == 100  # sent before the body, which the client holds back until then
    tls.sendall(SERVICE_CONTENT)
    assert_service_content(reader.answer())


def test_expect_100_continue_refused_without_continue(tls):
    tls.sendall((SOAP_HEAD + "Content-Length: {0}\r\nExpect: 100-continue\r\n\r\n".format(64 * 1024 * 1024)).encode())
    reader = Reader(tls)
    status, headers, _body = reader.answer()
    assert (status, headers["connection"]) == (413, "close")
    assert reader.closed()


def test_gzip_answer_when_the_client_asks(tls):
    reader = Reader(tls)
    tls.sendall(soap_request(SERVICE_CONTENT, "Accept-Encoding: gzip\r\n"))
    status, headers, body = reader.answer()  # Reader decompresses
    assert (headers["content-encoding"], headers["transfer-encoding"], headers["vary"]) == ("gzip", "chunked", "Accept-Encoding")
    assert "content-length" not in headers
    assert_service_content((status, headers, body))
    for accept in ("", "Accept-Encoding: identity\r\n", "Accept-Encoding: gzip;q=0, *\r\n", "Accept-Encoding: deflate, br\r\n"):
        tls.sendall(soap_request(SERVICE_CONTENT, accept))
        status, headers, body = reader.answer()
        assert "content-encoding" not in headers and int(headers["content-length"]) == len(body), accept
        assert_service_content((status, headers, body))
    tls.sendall(soap_request(SERVICE_CONTENT, "Accept-Encoding: *;q=0.5\r\n"))
    assert reader.answer()[1]["content-encoding"] == "gzip"


@pytest.mark.parametrize("framing", [
    pytest.param(b"zz\r\n<soap/>\r\n0\r\n\r\n", id="chunk-size-not-hex"),
    pytest.param(b"3\r\n<soap/>\r\n0\r\n\r\n", id="chunk-longer-than-its-size"),
    pytest.param(b"7\n<soap/>\n0\n\n", id="bare-LF"),
])
def test_malformed_chunk_framing_is_400_and_closes(sim, tls, framing):
    calls = sim.stats()["total"]
    tls.sendall((SOAP_HEAD + "Transfer-Encoding: chunked\r\n\r\n").encode() + framing)
    reader = Reader(tls)
    status, headers, _body = reader.answer()
    assert (status, headers["connection"]) == (400, "close")
    assert reader.closed()
    assert sim.stats()["total"] == calls  # nothing reached the SOAP layer


@pytest.mark.parametrize("headers, status", [
    pytest.param("Content-Length: 10\r\nTransfer-Encoding: chunked\r\n", 400, id="length-and-chunked"),
    pytest.param("Transfer-Encoding: gzip, chunked\r\n", 501, id="unsupported-transfer-coding"),
    pytest.param("Content-Length: abc\r\n", 400, id="length-not-a-number"),
    pytest.param("Content-Length: 10\r\nContent-Length: 12\r\n", 400, id="two-lengths"),
    pytest.param("Content-Length: 1073741824\r\n", 413, id="too-large"),
])
def test_unreadable_framing_is_an_http_error_and_closes(tls, headers, status):
    tls.sendall((SOAP_HEAD + headers + "\r\n").encode() + chunked(SERVICE_CONTENT))
    reader = Reader(tls)
    answer_status, answer_headers, _body = reader.answer()
    assert (answer_status, answer_headers["connection"]) == (status, "close")
    assert reader.closed()


@pytest.mark.parametrize("cut", [
    pytest.param(lambda: soap_request(SERVICE_CONTENT)[:-40], id="body-shorter-than-content-length"),
    pytest.param(lambda: chunked_request(SERVICE_CONTENT)[:-60], id="chunked-body-cut-in-a-chunk"),
    pytest.param(lambda: chunked_request(SERVICE_CONTENT)[:-3], id="chunked-body-cut-before-the-end"),
])
@pytest.mark.parametrize("close", ["tls", "tcp"])
def test_body_cut_off_by_the_client_gets_no_answer(sim, tls, cut, close):
    tls.sendall(soap_request(SERVICE_CONTENT))  # one whole exchange first: TLS session tickets are read with it
    assert_service_content(Reader(tls).answer())
    calls = sim.stats()["total"]
    assert not answered_after_close(tls, cut(), close)
    assert sim.stats()["total"] == calls


def test_compressed_request_body_is_a_soap_fault_and_the_connection_stays(tls):
    tls.sendall(soap_request(gzip.compress(SERVICE_CONTENT), "Content-Encoding: gzip\r\n"))
    reader = Reader(tls)
    status, _headers, body = reader.answer()
    assert status == 500 and b'xsi:type="InvalidRequest"' in body and b"Content-Encoding gzip is not accepted" in body
    tls.sendall(soap_request(SERVICE_CONTENT))
    assert_service_content(reader.answer())


def test_empty_post_is_a_soap_fault_and_the_connection_stays(tls):
    tls.sendall(SOAP_HEAD.encode() + b"\r\n")  # no Content-Length, no Transfer-Encoding: an empty body (RFC 9112 6.3)
    reader = Reader(tls)
    status, _headers, body = reader.answer()
    assert status == 500 and b"Malformed request" in body
    tls.sendall(soap_request(SERVICE_CONTENT))
    assert_service_content(reader.answer())


def test_get_with_a_body_keeps_the_connection_in_step(tls):
    tls.sendall(b"GET /sdk/vimServiceVersions.xml HTTP/1.1\r\nHost: vsim\r\nContent-Length: 5\r\n\r\nhello" + soap_request(SERVICE_CONTENT))
    reader = Reader(tls)
    assert reader.answer()[0] == 200
    assert_service_content(reader.answer())


def test_reference_in_an_any_is_typed_as_the_wsdl_names_it(sim, tls):
    """vCenter types a single reference in a PropertyCollector value as ManagedObjectReference (govmomi reads no other)."""
    reader = Reader(tls)
    tls.sendall(soap_request(SERVICE_CONTENT))
    status, headers, body = reader.answer()
    cookie = "Cookie: {0}\r\n".format(headers["set-cookie"].split(";")[0])
    text = body.decode()
    session_manager = re.search(r'<sessionManager type="SessionManager">([^<]+)<', text).group(1)
    collector = re.search(r'<propertyCollector type="PropertyCollector">([^<]+)<', text).group(1)
    tls.sendall(soap_request(ENVELOPE.format(LOGIN.format(session_manager)).encode(), cookie))
    assert reader.answer()[0] == 200
    host = sim.state()["hosts"]["192.168.100.107"]["moid"]
    read = ('<RetrieveProperties xmlns="urn:vim25"><_this type="PropertyCollector">{0}</_this><specSet><propSet><type>HostSystem</type>'
            '<pathSet>configManager.networkSystem</pathSet><pathSet>parent</pathSet><pathSet>network</pathSet></propSet>'
            '<objectSet><obj type="HostSystem">{1}</obj></objectSet></specSet></RetrieveProperties>').format(collector, host)
    tls.sendall(soap_request(ENVELOPE.format(read).encode(), cookie))
    status, _headers, body = reader.answer()
    values = re.findall(r"<val ([^>]*)>", body.decode())
    assert status == 200 and len(values) == 3
    assert sorted(value.split('"')[1] for value in values) == ["ArrayOfManagedObjectReference", "ManagedObjectReference", "ManagedObjectReference"]


def test_http_1_0_client_gets_no_chunked_answer(tls):
    tls.sendall(b"GET /sdk/vimServiceVersions.xml HTTP/1.0\r\nAccept-Encoding: gzip\r\n\r\n")
    answer = tls.makefile("rb").read()
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200") and b"Content-Encoding" not in head and b"chunked" not in head
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8" ?>\n<namespaces')
