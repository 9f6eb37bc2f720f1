#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Serve a generated career site on 127.0.0.1 for `make demo` and the end-to-end tests.

usage: site_server.py ROOT PORT_FILE

Routes come from ROOT/routes.json, read again on every request so a test can change the site
between crawls: a list of {"method", "path", "query": {k: v}, "body": {k: v}, "file",
"type", "status", "delay" (seconds before answering)}. A route matches when method and path are equal and its query / JSON-body
items are a subset of the request's. Every request is appended to ROOT/requests.log. The
chosen port is written to PORT_FILE; the server stops on SIGTERM.
"""
import http.server
import json
import os
import signal
import sys
import time
import urllib.parse

ROOT = sys.argv[1]
PORT_FILE = sys.argv[2]


def load_routes():
    with open(os.path.join(ROOT, "routes.json"), encoding="utf-8") as f:
        return json.load(f)


def subset(want, have):
    return all(str(have.get(k)) == str(v) for k, v in (want or {}).items())


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass  # requests are logged when they arrive (see answer)

    def log_arrival(self):
        with open(os.path.join(ROOT, "requests.log"), "a", encoding="utf-8") as f:
            f.write("%s %s\n" % (self.command, self.path))

    def route(self, body):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query, keep_blank_values=True))
        try:
            fields = json.loads(body) if body else {}
        except ValueError:
            fields = {}
        for r in load_routes():
            if r.get("method", "GET") != self.command or r["path"] != url.path:
                continue
            if subset(r.get("query"), query) and subset(r.get("body"), fields):
                return r
        return None

    def answer(self):
        self.log_arrival()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        r = self.route(body)
        if r is None:
            data, status, ctype = b"not found\n", 404, "text/plain"
        else:
            with open(os.path.join(ROOT, r["file"]), "rb") as f:
                data = f.read()
            status, ctype = r.get("status", 200), r.get("type", "application/json")
            time.sleep(r.get("delay", 0))  # a slow site, for shutdown tests
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = answer
    do_POST = answer


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = PORT_FILE + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("%d\n" % server.server_address[1])
    os.rename(tmp, PORT_FILE)
    try:
        server.serve_forever()
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
