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
"ACTIONxN" repeats an action N times. The log gets one line per request:
"ACTION METHOD PATH CLIENT_PORT" (the port shows whether connections are reused).
"""
import argparse
import http.client
import http.server
import socket
import struct
import threading
import time
import urllib.parse

ERRORS = {500: ("InternalError", "We encountered an internal error."),
          503: ("SlowDown", "Please reduce your request rate.")}


def expand(schedule):
    out = []
    for item in filter(None, schedule.split(",")):
        name, _, count = item.partition("x")
        out.extend([name] * (int(count) if count else 1))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--schedule", default="")
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--delay-ms", type=int, default=0, help="delay every request (slow S3)")
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    actions = expand(args.schedule)
    lock = threading.Lock()
    log = open(args.log, "a", buffering=1) if args.log else None

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def handle_any(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
            with lock:
                action = actions.pop(0) if actions else "pass"
                if log:
                    log.write("%s %s %s %d\n" % (action, self.command, self.path,
                                                  self.client_address[1]))
            if action in ("drop", "reset"):
                if action == "reset":
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                               struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()
                return
            if action in ("500", "503"):
                code, msg = ERRORS[int(action)]
                payload = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>%s</Code>"
                           "<Message>%s</Message></Error>" % (code, msg)).encode()
                self.send_response(int(action))
                self.send_header("Content-Type", "application/xml")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
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
            self.send_header("Content-Length", str(len(data)))
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

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    import os
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
