#!/usr/bin/env python3
"""A small fake EC2 instance metadata service (IMDSv2) for the credentials tests.

Usage: fake_imds.py --port-file FILE [--role NAME] [--expires-in SECONDS] [--bad-expiration]
  PUT /latest/api/token                       needs X-aws-ec2-metadata-token-ttl-seconds
  GET /latest/meta-data/iam/security-credentials/        -> role name   (token required)
  GET /latest/meta-data/iam/security-credentials/<role>  -> credentials JSON (token required)
Every credentials document has a new AccessKeyId (ASIAFAKE0001, 0002, …) and the secret
"imds-secret-<n>"; Expiration is now + expires-in. Requests without the token get 401.
"""
import argparse
import datetime
import http.server
import json
import os
import threading


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--role", default="rankflow-node")
    ap.add_argument("--expires-in", type=int, default=6 * 3600)
    ap.add_argument("--bad-expiration", action="store_true")
    args = ap.parse_args()
    token = "fake-imds-token-123"
    state = {"n": 0}
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, code, body, ctype="text/plain"):
            data = body.encode()
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_PUT(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)
            if self.path != "/latest/api/token" or \
                    not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                return self.reply(400, "bad token request")
            self.reply(200, token)

        def do_GET(self):
            if self.headers.get("X-aws-ec2-metadata-token") != token:
                return self.reply(401, "unauthorized")
            base = "/latest/meta-data/iam/security-credentials/"
            if self.path == base:
                return self.reply(200, args.role + "\n")
            if self.path == base + args.role:
                with lock:
                    state["n"] += 1
                    n = state["n"]
                exp = datetime.datetime.now(datetime.timezone.utc) + \
                    datetime.timedelta(seconds=args.expires_in)
                doc = {"Code": "Success", "Type": "AWS-HMAC",
                       "AccessKeyId": "ASIAFAKE%04d" % n,
                       "SecretAccessKey": "imds-secret-%d" % n,
                       "Token": "imds-token-%d" % n,
                       "Expiration": "garbage-" + "imds-secret-%d" % n if args.bad_expiration
                       else exp.strftime("%Y-%m-%dT%H:%M:%SZ")}
                return self.reply(200, json.dumps(doc), "application/json")
            self.reply(404, "not found")

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
