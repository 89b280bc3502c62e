#!/usr/bin/env python3
"""A small HTTPS file server for the sync tests (127.0.0.1 only, started and killed by the test).

usage: https_server.py DIR CERT KEY PORTFILE LOGFILE

Serves DIR with a strong ETag (SHA-256 of the body) and Last-Modified, and answers conditional
requests (If-None-Match / If-Modified-Since) with 304. Per-file switches, as files beside the
served one:
  NAME.hang      accept the request and never answer
  NAME.redirect  answer 302 with the Location held in that file
  NAME.then      after NAME has been answered once with 200, NAME.then replaces it (content that
                 changes between two requests, e.g. a key set that rotates)
  NAME.gzip      send the body gzip-compressed with "Content-Encoding: gzip", whatever the
                 request's Accept-Encoding said (a misconfigured server or CDN)
Each request is logged as one line: "METHOD PATH STATUS BODY_BYTES INM=... IMS=...", written
before the response is complete (so a client that has its answer finds the line there).
"""
import email.utils
import gzip
import hashlib
import http.server
import os
import ssl
import sys
import time

DIR, CERT, KEY, PORTFILE, LOGFILE = sys.argv[1:6]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # TCP_NODELAY: no 40 ms delayed-ACK stalls on loopback

    def log_message(self, fmt, *args):
        pass

    def log(self, status, nbytes):
        with open(LOGFILE, "a") as f:
            f.write("%s %s %d %d INM=%s IMS=%s\n" % (
                self.command, self.path, status, nbytes,
                self.headers.get("If-None-Match", "-"),
                self.headers.get("If-Modified-Since", "-")))

    def do_GET(self):
        name = os.path.basename(self.path.split("?")[0])
        path = os.path.join(DIR, name)
        if os.path.exists(path + ".hang"):
            self.log(0, 0)
            time.sleep(60)
            return
        if os.path.exists(path + ".redirect"):
            with open(path + ".redirect") as f:
                loc = f.read().strip()
            self.send_response(302)
            self.send_header("Location", loc)
            self.send_header("Content-Length", "0")
            self.log(302, 0)
            self.end_headers()
            return
        if not os.path.isfile(path):
            body = b"not found\n"
            self.send_response(404)
            self.send_header("Content-Length", str(len(body)))
            self.log(404, len(body))
            self.end_headers()
            self.wfile.write(body)
            return
        with open(path, "rb") as f:
            body = f.read()
        # the next request gets PATH.then: swapped (and the request logged, below) before the
        # response goes out, so a client that asks again at once sees the new file
        if os.path.exists(path + ".then"):
            os.replace(path + ".then", path)
        etag = '"%s"' % hashlib.sha256(body).hexdigest()
        mtime = int(os.stat(path).st_mtime)
        lm = email.utils.formatdate(mtime, usegmt=True)
        inm = self.headers.get("If-None-Match")
        ims = self.headers.get("If-Modified-Since")
        not_modified = False
        if inm is not None:
            not_modified = inm == etag
        elif ims is not None:
            try:
                not_modified = mtime <= email.utils.parsedate_to_datetime(ims).timestamp()
            except (TypeError, ValueError):
                pass
        if not_modified:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.log(304, 0)
            self.end_headers()
            return
        encode = os.path.exists(path + ".gzip")
        if encode:
            body = gzip.compress(body)
        self.send_response(200)
        if encode:
            self.send_header("Content-Encoding", "gzip")
        ctype = "text/html" if body.lstrip().startswith(b"<") else "application/octet-stream"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", lm)
        self.end_headers()
        self.log(200, len(body))
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


srv = Server(("127.0.0.1", 0), Handler)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(PORTFILE + ".tmp", "w") as f:
    f.write("%d\n" % srv.server_address[1])
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
