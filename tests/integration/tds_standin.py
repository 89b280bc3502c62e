#!/usr/bin/env python3
"""A stand-in for SQL Server's TLS negotiation, for tests only.

SQL Server is not packaged by Debian, so this small server plays the part of it that
'rootwarden probe sqlserver://' talks to, following MS-TDS:
  * 2.2.6.5 PRELOGIN: the client's PRELOGIN message (packet type 0x12) is answered with a
    tabular-result packet (type 0x04) holding VERSION, ENCRYPTION, INSTOPT, THREADID, MARS;
  * 3.3.5.1 / 2.2.6.5: the TLS handshake then runs with every TLS record carried as the payload
    of PRELOGIN (0x12) packets, in both directions, until the handshake completes;
  * TDS 8.0 "strict" (--strict): TLS first, before any TDS byte, with ALPN "tds/8.0".
It answers one handshake per connection and closes; it never reads a login.

usage: tds_standin.py --port P --cert CHAIN.pem --key KEY.pem [--encrypt off|on|req|notsup]
                      [--strict] [--min TLSv1_2] [--max TLSv1_3] [--seclevel0] [--record F]
--record F appends to F, for each completed handshake, how many bytes the client sent after it
(a client that never logs in sends 0).
"""
import argparse
import socket
import ssl
import struct
import threading
import warnings

# TLS 1.0/1.1 are deprecated in Python's ssl module; the tests need them on purpose.
warnings.filterwarnings("ignore", category=DeprecationWarning)

PRELOGIN, REPLY, EOM = 0x12, 0x04, 0x01
ENCRYPT = {"off": 0, "on": 1, "notsup": 2, "req": 3}


def recv_exact(conn, n):
    b = b""
    while len(b) < n:
        chunk = conn.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return b


def read_packet(conn):
    hdr = recv_exact(conn, 8)
    ptype, status, length = hdr[0], hdr[1], struct.unpack(">H", hdr[2:4])[0]
    if length < 8:
        raise ValueError("bad TDS length")
    return ptype, status, recv_exact(conn, length - 8)


def send_packets(conn, ptype, payload, max_payload=4088):
    pid = 1
    for off in range(0, max(len(payload), 1), max_payload):
        part = payload[off:off + max_payload]
        last = off + max_payload >= len(payload)
        conn.sendall(struct.pack(">BBHHBB", ptype, EOM if last else 0, 8 + len(part), 0, pid, 0) + part)
        pid = (pid + 1) % 256


def prelogin_options(payload):
    opts, i = {}, 0
    while i < len(payload) and payload[i] != 0xFF:
        token, off, length = payload[i], *struct.unpack(">HH", payload[i + 1:i + 5])
        opts[token] = payload[off:off + length]
        i += 5
    if i >= len(payload):
        raise ValueError("no PRELOGIN terminator")
    return opts


def prelogin_reply(encrypt):
    # VERSION 16.0.1000 (a SQL Server 2022 build number), ENCRYPTION, INSTOPT "", THREADID, MARS
    data = [(0x00, bytes([16, 0, 0x03, 0xE8, 0, 0])), (0x01, bytes([encrypt])), (0x02, b"\x00"),
            (0x03, b""), (0x04, b"\x00")]
    off = 5 * len(data) + 1
    head, body = b"", b""
    for token, value in data:
        head += struct.pack(">BHH", token, off + len(body), len(value))
        body += value
    return head + b"\xff" + body


def after_handshake(conn, pending, args):
    """With --record: how many bytes the client sent after its last handshake message (what it
    left unread in the TLS buffer, then everything until it closes), one line per handshake."""
    if not args.record:
        return
    n = pending
    conn.settimeout(2.0)
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            n += len(chunk)
    except OSError:
        pass
    with open(args.record, "a") as f:
        f.write("%d\n" % n)


def handshake(conn, ctx, args, in_tds):
    """The TLS handshake through memory buffers: each record in PRELOGIN packets (in_tds) or
    straight on the socket (strict), so that what follows the handshake can be counted."""
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_side=True)
    while True:
        try:
            tls.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        except ssl.SSLError:
            pending = out.read()
            if pending:
                if in_tds:
                    send_packets(conn, PRELOGIN, pending)
                else:
                    conn.sendall(pending)
            return
        pending = out.read()
        if pending:
            if in_tds:
                send_packets(conn, PRELOGIN, pending)
            else:
                conn.sendall(pending)
        if done:
            after_handshake(conn, inc.pending, args)
            return
        if in_tds:
            ptype, _, payload = read_packet(conn)
            if ptype != PRELOGIN:
                return  # the client left the handshake
        else:
            payload = conn.recv(65536)
            if not payload:
                return
        inc.write(payload)


def serve(conn, args, ctx):
    try:
        if args.strict:
            handshake(conn, ctx, args, in_tds=False)
            return
        ptype, _, payload = read_packet(conn)
        if ptype != PRELOGIN or 0x01 not in prelogin_options(payload):
            return
        send_packets(conn, REPLY, prelogin_reply(ENCRYPT[args.encrypt]))
        if args.encrypt != "notsup":
            handshake(conn, ctx, args, in_tds=True)
    except (EOFError, OSError, ValueError, ssl.SSLError):
        pass
    finally:
        conn.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--cert", required=True)
    ap.add_argument("--key", required=True)
    ap.add_argument("--encrypt", choices=sorted(ENCRYPT), default="req")
    ap.add_argument("--strict", action="store_true")
    ap.add_argument("--min", default="TLSv1_2")
    ap.add_argument("--max", default="TLSv1_3")
    ap.add_argument("--seclevel0", action="store_true")
    ap.add_argument("--record", help="append the bytes received after each handshake here")
    args = ap.parse_args()
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if args.seclevel0:
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    ctx.minimum_version = getattr(ssl.TLSVersion, args.min)
    ctx.maximum_version = getattr(ssl.TLSVersion, args.max)
    ctx.load_cert_chain(args.cert, args.key)
    if args.strict:
        ctx.set_alpn_protocols(["tds/8.0"])
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(64)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, args, ctx), daemon=True).start()


if __name__ == "__main__":
    main()
