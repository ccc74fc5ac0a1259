#!/usr/bin/env python3
"""Hostile bytes for a dagshard node's ports (tests/e2e/guard_test.sh).

  guard_attack.py ports PID          the TCP ports PID listens on
  guard_attack.py KIND PORT [SEED]   one kind of attack on 127.0.0.1:PORT

Every attack opens connections to loopback only, sends a bounded number of
bytes and closes them; none waits for the node to answer. Kinds: crash48
(the 48-byte frames that crashed CAF 0.17's BASP), garbage, truncated,
huge (headers claiming payloads of up to 4 GiB; claim4g holds one such
connection open for 2 s), fuzz (seeded random BASP
headers after a well-formed handshake), idle (half a header, then waits up
to 10 s for the node to close the connection; exit status 1 if it does not),
forged (a routed message that names another node as its source).

With DS_ATTACK_TLS="CERT KEY CA" every connection first completes mutual TLS
with that certificate: the attacks then reach what is behind TLS.

  guard_attack.py record LISTEN PORT FILE   relays one connection from
      127.0.0.1:LISTEN to PORT and keeps what the client sent in FILE
  guard_attack.py noread FILE PORT N        replays FILE's handshake and
      first path request, then that request N times more, and never reads
      an answer (holds the connection 5 s)
"""
import os
import random
import socket
import ssl
import struct
import sys
import time


def listening_ports(pid):
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                cols = line.split()
                if cols[3] == "0A" and cols[9] in inodes:  # LISTEN
                    ports.add(int(cols[1].split(":")[1], 16))
    return sorted(ports)


def header(op, payload, op_data=0, source=0, dest=0, flags=0):
    return struct.pack(">BBBBIQQQ", op, 0, 0, flags, payload, op_data, source,
                       dest)


def node(pid, host=0x5A):
    return struct.pack(">QI", 0x00003E9AAB9BAC79, pid) + bytes([host] * 20)


def hello(pid=4242):
    return header(1, 32) + node(pid)


def connect(port, timeout):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    tls = os.environ.get("DS_ATTACK_TLS")
    if not tls:
        return s
    cert, key, ca = tls.split()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.load_verify_locations(ca)
    ctx.load_cert_chain(cert, key)
    return ctx.wrap_socket(s)


def send(port, data, hold=0.0):
    """Sends data and closes; a node that closes first is fine."""
    try:
        with connect(port, 2) as s:
            s.sendall(data)
            if hold:
                time.sleep(hold)
    except OSError:
        pass


def crash48(port, rng):
    for op in (0, 1):
        for plen in (0, 16, 0xFFFFFFFF):
            send(port, header(op, plen) + bytes(16))


def garbage(port, rng):
    send(port, b"GET / HTTP/1.0\r\n\r\n")
    send(port, bytes([0xFF]) * 64)
    for size in (1, 7, 33, 1000, 65536):
        send(port, rng.randbytes(size))


def truncated(port, rng):
    frame = hello()
    for cut in range(1, len(frame)):
        send(port, frame[:cut])
    send(port, hello() + header(2, 100, 0, 0, 1) + bytes(10))


def claim4g(port, rng):
    send(port, header(1, 0xFFFFFFFF), hold=2.0)


def huge(port, rng):
    send(port, header(1, 0xFFFFFFFF), hold=0.2)
    send(port, hello() + header(2, 0xFFFFFFFF, 0, 0, 1), hold=0.5)
    send(port, hello() + header(3, 0x7FFFFFFF, 0, 0, 1))


def fuzz(port, rng):
    for _ in range(300):
        op = rng.choice([0, 1, 2, 3, 4, 5, 6, 7, 255])
        plen = rng.choice([0, 1, 8, 32, 200, 1 << 20, 0xFFFFFFFF])
        fields = [rng.choice([0, 1, rng.getrandbits(64)]) for _ in range(3)]
        body = rng.randbytes(min(plen, 64))
        first = b"" if rng.random() < 0.3 else hello()
        send(port, first + header(op, plen, *fields) + body)


def idle(port, rng):
    """Half a header, then silence: exits 0 once the node closes it."""
    with connect(port, 10) as s:
        s.sendall(header(1, 32)[:5])
        try:
            while s.recv(4096):
                pass
        except (socket.timeout, TimeoutError):
            sys.exit(1)
        except OSError:
            pass  # closed with an error (TLS): closed all the same


def forged(port, rng):
    """Messages that name another node as their source, after a handshake."""
    for op in (3, 4, 5):
        body = node(4343, 0x33) + node(1, 0x11) + bytes(8)
        source = 11 if op == 5 else 0
        dest = 0 if op == 5 else 1
        send(port, hello() + header(op, len(body), 0, source, dest) + body)


def record(listen, port, path):
    import threading
    lst = socket.socket()
    lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lst.bind(("127.0.0.1", listen))
    lst.listen(1)
    print("ready", flush=True)
    client, _ = lst.accept()
    server = socket.create_connection(("127.0.0.1", port))

    def pump(a, b, out):
        while True:
            data = a.recv(65536)
            if not data:
                break
            if out:
                out.write(data)
                out.flush()
            b.sendall(data)
        try:
            b.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    back = threading.Thread(target=pump, args=(server, client, None))
    back.start()
    with open(path, "wb") as out:
        pump(client, server, out)
    back.join()


def noread(path, port, n):
    data = open(path, "rb").read()
    frames, i = [], 0
    while i + 32 <= len(data):
        plen = struct.unpack(">I", data[i + 4:i + 8])[0]
        frames.append(data[i:i + 32 + plen])
        i += 32 + plen
    req = next(f for f in frames if b"ds::path_request" in f)
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            s.sendall(data[:data.index(req)])
            for _ in range(n):
                s.sendall(req)
            time.sleep(5)
        except OSError:
            pass  # cut off by the node


def main():
    if sys.argv[1] == "ports":
        print(" ".join(str(p) for p in listening_ports(int(sys.argv[2]))))
        return
    if sys.argv[1] == "record":
        record(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        return
    if sys.argv[1] == "noread":
        noread(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
        return
    kind, port = sys.argv[1], int(sys.argv[2])
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    {"claim4g": claim4g, "crash48": crash48, "garbage": garbage, "truncated": truncated,
     "huge": huge, "fuzz": fuzz, "idle": idle, "forged": forged}[kind](port, rng)


if __name__ == "__main__":
    main()
