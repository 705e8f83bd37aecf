"""Webhooks reach public receivers only, within one deadline, and one project's slow receiver delays no other.

Registration refuses every non-public host in every spelling; delivery resolves the name once, checks every
address and connects to the one it checked (a name that turns to loopback later gains nothing). Receivers
are real servers on 127.0.0.1, in threads, stopped at the end of each test; names are answered by a fake
resolver (`dns`), so no test needs the network.
"""

import contextlib
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from gapwise.config import SettingsError
from gapwise.core.webhooks import delivery as webhook_delivery
from gapwise.core.webhooks import targets
from gapwise.core.webhooks import transport as webhook_http
from tests.helpers import AdminApi, free_port
from tests.test_webhooks import Receiver, deliver, subscribe

# The twelve internal targets of the audit, then more spellings of the same kinds of address.
AUDIT_TARGETS = [
    "http://127.0.0.1/hook",
    "http://localhost/hook",
    "http://loopback.gapwise.test/hook",  # a name that resolves to 127.0.0.1 (see the dns fixture)
    "http://[::1]/hook",
    "http://2130706433/hook",
    "http://0x7f000001/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/hook",
    "http://[fd00::1]/hook",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://0.0.0.0/hook",
    "http://192.168.1.1/hook",
]
SPELLINGS = [
    "http://0177.0.0.1/",  # octal
    "http://127.1/",  # short form
    "http://0x7f.1/",
    "http://017700000001/",
    "http://0/",
    "http://127.0.0.1./",  # trailing dot
    "http://localhost./",
    "http://LOCALHOST:8080/",
    "http://api.localhost/",
    "http://ｌｏｃａｌｈｏｓｔ/",  # IDNA: full-width letters
    "http://127。0。0。1/",  # IDNA: ideographic full stops
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[64:ff9b::7f00:1]/",  # NAT64
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://[64:ff9b:1::1]/",
    "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
    "http://[::]/",
    "http://[fe80::1]/",
    "http://[fe80::1%25eth0]/",
    "http://[fec0::1]/",
    "http://[ff02::1]/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",  # shared (CGNAT)
    "http://224.0.0.1/",  # multicast
    "http://240.0.0.1/",  # reserved
    "http://255.255.255.255/",
    "http://192.0.2.1/",  # documentation
    "http://metadata/",  # single label, resolved through search domains
    "http://printer.local/",
    "http://router.home.arpa/",
    "http://private.gapwise.test/",  # resolves to a public and a private address
    "http://mapped.gapwise.test/",  # resolves to ::ffff:10.0.0.1
]
PUBLIC = "93.184.215.14"


class Resolver:
    """Stands in for socket.getaddrinfo: chosen names get chosen addresses, others none; it notes the names asked."""

    def __init__(self):
        self.answers = {
            "loopback.gapwise.test": ["127.0.0.1"],
            "private.gapwise.test": [PUBLIC, "10.0.0.1"],
            "mapped.gapwise.test": ["::ffff:10.0.0.1"],
            "public.gapwise.test": [PUBLIC],
        }
        self.asked: list[str] = []

    def getaddrinfo(self, host, port, *args, **kwargs):
        self.asked.append(host)
        if not self.answers.get(host):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in self.answers[host]
        ]


@pytest.fixture
def dns(monkeypatch):
    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver


@pytest.fixture
def hooks(client, project):
    return AdminApi(client, project.secret_key, "webhooks")


@pytest.fixture
def receiver():
    """A receiver on 127.0.0.1; the allow-list is each test's to set."""
    r = Receiver()
    yield r
    r.close()


def allow(app, networks):
    app.config["WEBHOOK_ALLOWED_PRIVATE_NETWORKS"] = networks


def last_delivery(hooks, hook) -> dict:
    return hooks.get(f"/{hook['id']}/deliveries").get_json()["deliveries"][0]


def test_registration_refuses_every_non_public_host(hooks, dns):
    accepted, shapes = [], set()
    for url in AUDIT_TARGETS + SPELLINGS:
        answer = hooks.post(json={"url": url, "events": ["gap.flagged"]})
        body = answer.get_json()
        if answer.status_code != 422:
            accepted.append(url)
        shapes.add((body.get("code"), body.get("status"), tuple(body.get("errors", ()))))
    assert accepted == []
    assert shapes == {("validation_error", 422, ("url",))}  # the one error shape, on the url field
    assert hooks.get().get_json() == {"webhooks": []}


@pytest.mark.parametrize("url", AUDIT_TARGETS + SPELLINGS)
def test_the_check_itself_refuses_spellings_the_url_schema_lets_through_or_not(dns, url):
    with pytest.raises(targets.BlockedTarget):
        targets.check_url(url, (), timeout=1)


def test_changing_a_url_to_an_internal_one_is_refused_too(hooks, dns):
    hook = subscribe(hooks, "https://public.gapwise.test/hook")
    answer = hooks.patch(f"/{hook['id']}", json={"url": "http://169.254.169.254/latest/meta-data/"})
    assert (
        answer.status_code == 422
        and "GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS" in answer.get_json()["errors"]["url"][0]
    )
    assert hooks.get(f"/{hook['id']}").get_json()["url"] == "https://public.gapwise.test/hook"


@pytest.mark.parametrize(
    "url",
    [
        f"https://{PUBLIC}/hook",
        "https://[2606:4700::1111]/hook",
        "https://public.gapwise.test/hook",
        "https://not-resolvable-yet.gapwise.test/hook",  # checked again when delivered
    ],
)
def test_public_receivers_are_accepted(hooks, dns, url):
    assert subscribe(hooks, url, events=["gap.flagged"])["url"] == url


@pytest.mark.parametrize(
    "networks, url",
    [
        ("10.0.0.0/8", "http://10.1.2.3:8080/hook"),
        ("10.0.0.0/8, fd00::/8", "http://[fd00::1]/hook"),
        (["10.0.0.0/8"], "http://[::ffff:a01:203]/hook"),  # ::ffff:10.1.2.3
        ("10.0.0.0/8", "http://mapped.gapwise.test/hook"),
        ("127.0.0.1/32,::1/128", "http://localhost:9000/hook"),
        ("10.0.0.0/8", "http://hooks.internal/gapwise"),  # a private name, resolving into the allowed network
    ],
)
def test_the_operator_can_allow_private_networks(app, hooks, dns, networks, url):
    dns.answers["hooks.internal"] = ["10.9.8.7"]
    allow(app, networks)
    assert subscribe(hooks, url, events=["gap.flagged"])["url"] == url
    refused = hooks.post(json={"url": "http://169.254.169.254/", "events": ["gap.flagged"]})
    assert refused.status_code == 422  # only what is listed


def test_the_allow_list_setting_reads_a_list_or_comma_separated_cidrs(app, gapwise, monkeypatch):
    assert targets.allowed_networks("10.0.0.0/8, fd00::/8") == targets.allowed_networks(["10.0.0.0/8", "fd00::/8"])
    assert targets.allowed_networks(()) == targets.allowed_networks("") == ()
    with pytest.raises(SettingsError, match="GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS"):
        targets.allowed_networks("10.0.0.0/8,intranet")
    allow(app, "not a network")
    with pytest.raises(SettingsError):
        webhook_delivery.start_worker(app)
    monkeypatch.setenv("GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS", "10.0.0.0/8,intranet")
    result = gapwise("webhooks", "deliver", "--once")
    assert result.exit_code == 1 and "GAPWISE_WEBHOOK_ALLOWED_PRIVATE_NETWORKS must list networks" in result.output


@pytest.mark.parametrize(
    "answer_at_delivery", [["127.0.0.1"], [PUBLIC, "127.0.0.1"], ["::ffff:127.0.0.1"], ["10.0.0.1"]]
)
def test_a_name_that_turns_internal_after_registration_is_not_delivered(app, hooks, dns, receiver, answer_at_delivery):
    port = receiver.server.server_port
    hook = subscribe(hooks, f"http://rebind.gapwise.test:{port}/hooks/gapwise")  # unresolved: accepted
    dns.answers["rebind.gapwise.test"] = answer_at_delivery  # the name now points inside (DNS rebinding)
    hooks.post(f"/{hook['id']}/test")
    assert deliver(app) == 1
    assert receiver.requests == []
    logged = last_delivery(hooks, hook)
    assert (logged["status"], logged["lastStatusCode"], logged["lastError"]) == (
        "pending",
        None,
        webhook_http.UNREACHABLE,
    )


@pytest.mark.parametrize(
    "networks, reached",
    [((), False), ("10.0.0.0/8", False), ("::1/128", False), ("127.0.0.0/8", True), ("127.0.0.1/32,::1/128", True)],
)
def test_a_local_receiver_is_reached_only_when_the_allow_list_covers_it(app, hooks, receiver, networks, reached):
    allow(app, "127.0.0.1/32")
    hook = subscribe(hooks, receiver.url)
    allow(app, networks)  # what the delivery worker is configured with
    hooks.post(f"/{hook['id']}/test")
    deliver(app)
    assert len(receiver.requests) == (1 if reached else 0)
    logged = last_delivery(hooks, hook)
    assert logged["status"] == ("delivered" if reached else "pending")
    assert logged["lastError"] == (None if reached else webhook_http.UNREACHABLE)


def test_the_checked_address_is_the_one_connected_to(app, hooks, dns, receiver):
    """One resolution per delivery; the connection goes to that address, the Host header names the URL's host."""
    allow(app, "127.0.0.1/32")
    dns.answers["pinned.gapwise.test"] = ["127.0.0.1"]
    port = receiver.server.server_port
    hook = subscribe(hooks, f"http://pinned.gapwise.test:{port}/hooks/gapwise")
    hooks.post(f"/{hook['id']}/test")
    dns.asked.clear()
    deliver(app)
    [(headers, _)] = receiver.requests
    assert headers["host"] == f"pinned.gapwise.test:{port}"
    assert dns.asked == ["pinned.gapwise.test"]


def test_a_redirect_is_not_followed(app, hooks, receiver):
    allow(app, "127.0.0.1/32")
    target = Receiver()
    try:
        receiver.statuses, receiver.answer_headers = [307], {"Location": target.url}
        hook = subscribe(hooks, receiver.url)
        hooks.post(f"/{hook['id']}/test")
        deliver(app)
        assert len(receiver.requests) == 1 and target.requests == []
    finally:
        target.close()
    logged = last_delivery(hooks, hook)
    assert (logged["status"], logged["lastStatusCode"]) == ("pending", 307)
    assert logged["lastError"] == "HTTP 307 Temporary Redirect: redirects are not followed"


class RawServer:
    """A TCP server on 127.0.0.1 that runs `behaviour(connection, stopped)` for each connection in a thread;
    `close()` stops it and drops every connection, whatever the behaviour is doing."""

    def __init__(self, behaviour):
        self.behaviour, self.stopped = behaviour, threading.Event()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self.connections: list[socket.socket] = []
        self.threads = [threading.Thread(target=self._accept, daemon=True)]
        self.threads[0].start()

    def url(self, scheme="http") -> str:
        return f"{scheme}://127.0.0.1:{self.port}/hook"

    def _accept(self):
        while not self.stopped.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections.append(connection)
            thread = threading.Thread(target=self._serve, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _serve(self, connection):
        with contextlib.suppress(OSError):  # the client went away
            self.behaviour(connection, self.stopped)

    def close(self):
        self.stopped.set()
        for connection in self.connections:
            connection.close()
        for thread in self.threads:
            thread.join(2)
        self.listener.close()


def read_request(connection):
    connection.settimeout(2)
    received = b""
    while b"\r\n\r\n" not in received:
        received += connection.recv(4096) or b"\r\n\r\n"


def trickle_headers(connection, stopped):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    while not stopped.wait(0.1):  # one byte every tenth of a second: each read is quick, the answer never ends
        connection.sendall(b"a")


def say_nothing(connection, stopped):
    stopped.wait(5)


def hang_after_reading(connection, stopped):
    read_request(connection)
    stopped.wait(15)


def endless_body(connection, stopped):
    read_request(connection)
    connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
    while not stopped.is_set():
        connection.sendall(b"x" * 65536)


def close_at_once(connection, stopped):
    connection.close()


def banner(connection, stopped):
    connection.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")
    connection.close()


@pytest.mark.parametrize("behaviour, scheme", [(trickle_headers, "http"), (say_nothing, "https")])
def test_the_deadline_covers_the_whole_request(app, hooks, behaviour, scheme):
    """A receiver that answers one byte at a time (or never finishes the TLS handshake) is cut at the deadline."""
    allow(app, "127.0.0.1/32")
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 1.0
    server = RawServer(behaviour)
    try:
        hook = subscribe(hooks, server.url(scheme))
        hooks.post(f"/{hook['id']}/test")
        started = time.monotonic()
        deliver(app)
        took = time.monotonic() - started
    finally:
        server.close()
    assert 0.95 <= took < 1.6, took
    assert last_delivery(hooks, hook)["lastError"] == webhook_http.UNREACHABLE


def test_only_the_start_of_an_endless_answer_is_read(app, hooks):
    allow(app, "127.0.0.1/32")
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 5.0
    server = RawServer(endless_body)
    try:
        hook = subscribe(hooks, server.url())
        hooks.post(f"/{hook['id']}/test")
        started = time.monotonic()
        deliver(app)
        took = time.monotonic() - started
    finally:
        server.close()
    assert took < 1.0 and last_delivery(hooks, hook)["status"] == "delivered"


@pytest.mark.parametrize(
    "receiving", ["closed port", "closes at once", "not HTTP", "silent", "TLS to plain HTTP", "blocked", "unresolved"]
)
def test_the_delivery_log_says_the_same_whatever_kept_the_receiver_out_of_reach(app, hooks, dns, receiver, receiving):
    """It must not tell an open port from a closed one, nor an internal address from a missing name."""
    allow(app, "127.0.0.1/32")
    app.config["WEBHOOK_TIMEOUT_SECONDS"] = 0.5
    servers = {"closes at once": close_at_once, "not HTTP": banner, "silent": say_nothing}
    server = RawServer(servers[receiving]) if receiving in servers else None
    dns.answers["inside.gapwise.test"] = ["127.0.0.1"]
    url = {
        "closed port": f"http://127.0.0.1:{free_port()}/hook",
        "TLS to plain HTTP": receiver.url.replace("http:", "https:"),
        "blocked": "http://inside.gapwise.test/hook",
        "unresolved": "http://gone.gapwise.test/hook",
    }.get(receiving) or (server.url() if server else "")
    try:
        hook = subscribe(hooks, url)
        dns.answers["inside.gapwise.test"] = ["10.0.0.1"]
        hooks.post(f"/{hook['id']}/test")
        deliver(app)
    finally:
        if server:
            server.close()
    logged = last_delivery(hooks, hook)
    assert (logged["lastStatusCode"], logged["lastError"]) == (None, "delivery failed: could not reach the receiver")


def test_a_hanging_receiver_does_not_delay_another_projects_delivery(app, client, project, other_project, receiver):
    """Project A's receiver takes every request and never answers; project B's event still goes out at once."""
    allow(app, "127.0.0.1/32")
    app.config["WEBHOOK_POLL_SECONDS"] = 0.05
    ours, theirs = (
        AdminApi(client, project.secret_key, "webhooks"),
        AdminApi(client, other_project.secret_key, "webhooks"),
    )
    stuck = RawServer(hang_after_reading)
    stop = threading.Event()
    thread = None
    try:
        hanging = subscribe(ours, stuck.url())
        for _ in range(6):
            ours.post(f"/{hanging['id']}/test")
        thread = webhook_delivery.start_worker(app, stop)
        until(lambda: len(stuck.connections) >= webhook_delivery.PER_PROJECT)
        healthy = subscribe(theirs, receiver.url)
        queued = time.monotonic()
        theirs.post(f"/{healthy['id']}/test")
        until(lambda: receiver.requests)
        latency = time.monotonic() - queued
        held = len(stuck.connections)
    finally:
        stop.set()
        stuck.close()
        if thread:
            thread.join(5)
    assert len(receiver.requests) == 1 and latency < 2.0, latency
    assert held == webhook_delivery.PER_PROJECT  # A holds its own share of the senders, no more


def until(condition, limit=5.0):
    deadline = time.monotonic() + limit
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    """A test CA and a certificate it signed for hooks.gapwise.test (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=20)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *key, "-keyout", "ca.key", "-out", "ca.pem", "-days", "1", "-subj", "/CN=Gapwise test CA")
    openssl("req", *key, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=hooks.gapwise.test")
    (folder / "san.ext").write_text("subjectAltName=DNS:hooks.gapwise.test\n")
    openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "leaf.pem", "-days", "1", "-extfile", "san.ext",
    )  # fmt: skip
    return folder


@pytest.mark.parametrize(
    "host, delivered", [("hooks.gapwise.test", True), ("127.0.0.1", False), ("other.gapwise.test", False)]
)
def test_tls_is_verified_against_the_urls_host_not_the_address(
    app, hooks, dns, monkeypatch, certificates, host, delivered
):
    allow(app, "127.0.0.1/32")
    dns.answers.update({"hooks.gapwise.test": ["127.0.0.1"], "other.gapwise.test": ["127.0.0.1"]})
    system = webhook_http.tls_context
    monkeypatch.setattr(webhook_http, "tls_context", lambda: system(str(certificates / "ca.pem")))  # trust the test CA
    served = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    served.load_cert_chain(certificates / "leaf.pem", certificates / "leaf.key")
    names: list[str] = []
    served.sni_callback = lambda sock, name, context: names.append(name)
    tls = Receiver(tls=served, name=host)
    try:
        hook = subscribe(hooks, tls.url)
        hooks.post(f"/{hook['id']}/test")
        deliver(app)
    finally:
        tls.close()
    assert len(tls.requests) == (1 if delivered else 0)
    assert last_delivery(hooks, hook)["status"] == ("delivered" if delivered else "pending")
    if delivered:
        assert names == ["hooks.gapwise.test"] and tls.requests[0][0]["host"] == tls.url.split("/")[2]
