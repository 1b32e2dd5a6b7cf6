#!/usr/bin/env python3
"""Fault-injecting HTTP proxy for the retry tests: forwards to an upstream (moto) and misbehaves
on a schedule, one action per incoming request, in order; after the schedule every request passes.

Usage: fault_proxy.py --upstream http://127.0.0.1:PORT --schedule 503,drop,cut,500x2 \
                      --port-file FILE [--log FILE] [--delay-ms N]
Actions:
  pass        forward unchanged
  500 / 503   answer that status with an S3 XML error body (InternalError / SlowDown)
  drop        close the connection without answering
  reset       close the connection with a TCP RST
  cut         forward, send the upstream status and headers (full Content-Length) but only half
              of the body, then close
  expired     answer 400 with an ExpiredToken error body (a credential error)
  downMS      an endpoint restart: close this and every open connection, stop listening for MS
              milliseconds (connections are refused), then listen on the same port again
"ACTIONxN" repeats an action N times. The log gets one line per request that reached the proxy:
"ACTION METHOD PATH CLIENT_PORT" (the port shows whether connections are reused), and with
--log-key-id " key=AKID": the access key id that signed it (from Authorization; never the secret).
"""
import argparse
import http.client
import http.server
import os
import re
import socket
import struct
import threading
import time
import urllib.parse

ERRORS = {"500": (500, "InternalError", "We encountered an internal error."),
          "503": (503, "SlowDown", "Please reduce your request rate."),
          "expired": (400, "ExpiredToken", "The provided token has expired.")}


def expand(schedule):
    out = []
    for item in filter(None, schedule.split(",")):
        name, sep, count = item.rpartition("x")
        if not (sep and name and count.isdigit()):
            name, count = item, "1"
        out.extend([name] * int(count))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--schedule", default="")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--log-key-id", action="store_true",
                    help="append the signing access key id to each log line")
    ap.add_argument("--delay-ms", type=int, default=0, help="delay every request (slow S3)")
    ap.add_argument("--bucket-region", default="",
                    help="as S3 for a bucket in that region: a request signed for another region "
                         "gets 301 PermanentRedirect with x-amz-bucket-region (HEAD: no body)")
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    actions = expand(args.schedule)
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1) if args.log else None
    open_connections = set()
    state = {"server": None, "down_ms": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def setup(self):
            super().setup()
            with lock:
                open_connections.add(self.connection)

        def finish(self):
            with lock:
                open_connections.discard(self.connection)
            try:
                super().finish()
            except OSError:
                pass

        def go_down(self, ms):
            # Like a restarting server: every connection ends and the port refuses new ones until
            # the main loop listens again.
            with lock:
                state["down_ms"] = ms
                conns = list(open_connections)
            try:
                state["server"].socket.shutdown(socket.SHUT_RDWR)  # refuse from now on
            except OSError:
                pass
            for c in conns:
                try:
                    c.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self.close_connection = True
            threading.Thread(target=state["server"].shutdown, daemon=True).start()

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
            with lock:
                action = actions.pop(0) if actions else "pass"
                if log:
                    key = ""
                    if args.log_key_id:
                        m = re.search(r"Credential=([^/]+)/", self.headers.get("Authorization", ""))
                        key = " key=" + (m.group(1) if m else "-")
                    log.write("%s %s %s %d%s\n" % (action, self.command, self.path,
                                                    self.client_address[1], key))
            if args.bucket_region:
                # Signed in the Authorization header, or presigned (X-Amz-Credential, %2F for /).
                scope = re.search(r"Credential=[^/]+/\d{8}/([^/]+)/",
                                  self.headers.get("Authorization", "")) or re.search(
                    r"X-Amz-Credential=[^&]*?%2F\d{8}%2F([^%&]+)%2F", self.path)
                if scope is None or scope.group(1) != args.bucket_region:
                    with lock:
                        if log:
                            log.write("redirect %s %s %d\n" % (self.command, self.path,
                                                               self.client_address[1]))
                    payload = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                               "PermanentRedirect</Code><Message>The bucket you are attempting to "
                               "access must be addressed using the specified endpoint.</Message>"
                               "<Region>%s</Region></Error>" % args.bucket_region).encode()
                    self.send_response(301)
                    self.send_header("Content-Type", "application/xml")
                    self.send_header("x-amz-bucket-region", args.bucket_region)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if self.command != "HEAD":
                        self.wfile.write(payload)
                    return
            if action.startswith("down"):
                self.go_down(int(action[4:]))
                return
            if action in ("drop", "reset"):
                if action == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if action in ERRORS:
                status, code, msg = ERRORS[action]
                payload = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                           "<Message>%s</Message></Error>" % (code, msg)).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)
                return
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
            headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            conn.close()
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in ("transfer-encoding", "connection", "content-length",
                                     "server", "date"):
                    self.send_header(k, v)
            # A HEAD answer has no body but the object's length.
            length = resp.getheader("Content-Length", "0") if self.command == "HEAD" else len(data)
            self.send_header("Content-Length", str(length))
            self.end_headers()
            if action == "cut" and self.command != "HEAD":
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    port = 0
    while True:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        server.daemon_threads = True
        state["server"] = server
        if port == 0:
            port = server.server_address[1]
            with open(args.port_file + ".tmp", "w") as f:
                f.write(str(port))
            os.rename(args.port_file + ".tmp", args.port_file)
        server.serve_forever()  # returns after a "down" action
        server.server_close()
        time.sleep(state["down_ms"] / 1000.0)


if __name__ == "__main__":
    main()
