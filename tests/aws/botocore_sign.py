#!/usr/bin/env python3
"""Oracle for the differential SigV4 test: signs S3 requests with botocore.

Usage: botocore_sign.py REQUESTS.jsonl OUT.jsonl
Each input line: {"op", "bucket", "key", "access_key", "secret_key", "token",
                  "range", "body_hex", "prefix", "continuation", "start_after", "max_keys",
                  "part_number", "upload_id", "content_type"}
Each output line: {"url", "headers": [[name, value], ...], "authorization"} for the request
botocore would have sent (captured in the before-send hook; nothing goes on the network).
Op "PresignGet" outputs generate_presigned_url's URL (expiry = max_keys seconds) instead; op
"Ec2Form" signs an EC2 DescribeInstances form POST and also outputs its "body".
"""
import json
import sys

import urllib.parse

import botocore.auth
import botocore.credentials
import botocore.session
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.config import Config


class _Raw:
    def stream(self, **_):
        return iter([b""])


def main():
    src, dst = sys.argv[1], sys.argv[2]
    session = botocore.session.get_session()
    clients = {}
    captured = {}

    def before_send(request, **_):
        captured["request"] = request
        return AWSResponse(request.url, 200, {}, _Raw())

    def client_for(ak, sk, token):
        k = (ak, sk, token)
        if k not in clients:
            c = session.create_client(
                "s3", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token or None,
                config=Config(s3={"addressing_style": "path"}, signature_version="s3v4",
                              request_checksum_calculation="when_required",
                              response_checksum_validation="when_required",
                              retries={"max_attempts": 1}))
            c.meta.events.register("before-send.s3", before_send)
            clients[k] = c
        return clients[k]

    ec2_clients = {}

    def ec2_client_for(ak, sk, token):
        k = (ak, sk, token)
        if k not in ec2_clients:
            c = session.create_client(
                "ec2", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                aws_access_key_id=ak, aws_secret_access_key=sk, aws_session_token=token or None,
                config=Config(retries={"max_attempts": 1}))
            c.meta.events.register("before-send.ec2", before_send)
            ec2_clients[k] = c
        return ec2_clients[k]

    with open(src, encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for line in f:
            r = json.loads(line)
            c = client_for(r["access_key"], r["secret_key"], r.get("token", ""))
            captured.clear()
            op = r["op"]
            try:
                if op == "GetObject":
                    c.get_object(Bucket=r["bucket"], Key=r["key"], Range=r["range"])
                elif op == "HeadObject":
                    c.head_object(Bucket=r["bucket"], Key=r["key"])
                elif op == "PutObject":
                    c.put_object(Bucket=r["bucket"], Key=r["key"],
                                 Body=bytes.fromhex(r["body_hex"]),
                                 ContentType=r["content_type"])
                elif op == "UploadPart":
                    c.upload_part(Bucket=r["bucket"], Key=r["key"],
                                  Body=bytes.fromhex(r["body_hex"]),
                                  PartNumber=r["part_number"], UploadId=r["upload_id"])
                elif op == "GenericV4":
                    # Any non-S3 service: botocore normalizes the path and encodes the (already
                    # encoded) wire path again. The path is sent encoded once, as on the wire.
                    creds = botocore.credentials.Credentials(r["access_key"], r["secret_key"],
                                                             r.get("token") or None)
                    path = urllib.parse.quote(r["key"], safe="/~")
                    query = urllib.parse.urlencode([("Prefix", r["prefix"]),
                                                    ("Marker", r["continuation"])],
                                                   quote_via=urllib.parse.quote, safe="~")
                    req = AWSRequest(method="POST", url="http://127.0.0.1:9" + path + "?" + query,
                                     data=bytes.fromhex(r["body_hex"]),
                                     headers={"Content-Type": r["content_type"]})
                    botocore.auth.SigV4Auth(creds, "execute-api", "us-east-1").add_auth(req)
                    headers = [[k, v] for k, v in req.headers.items()]
                    out.write(json.dumps({"url": req.url, "headers": headers,
                                          "authorization": req.headers["Authorization"]}) + "\n")
                    continue
                elif op == "Ec2Form":
                    # EC2 Query API: form-encoded POST built by botocore's own serializer.
                    ec2 = ec2_client_for(r["access_key"], r["secret_key"], r.get("token", ""))
                    captured.clear()
                    try:
                        ec2.describe_instances(
                            Filters=[{"Name": "tag:" + r["prefix"], "Values": [r["key"]]}],
                            MaxResults=5 + r["max_keys"] % 995, NextToken=r["continuation"])
                    except Exception:  # parsing our empty fake response may fail
                        pass
                    req = captured["request"]
                    headers = [[k, v.decode() if isinstance(v, bytes) else v]
                               for k, v in req.headers.items()]
                    body = req.body.decode() if isinstance(req.body, bytes) else req.body
                    out.write(json.dumps({"url": req.url, "headers": headers, "body": body,
                                          "authorization": dict((k.lower(), v) for k, v in headers)
                                          ["authorization"]}) + "\n")
                    continue
                elif op == "PresignGet":
                    url = c.generate_presigned_url(
                        "get_object", Params={"Bucket": r["bucket"], "Key": r["key"]},
                        ExpiresIn=r["max_keys"])
                    out.write(json.dumps({"url": url, "headers": [], "authorization": ""}) + "\n")
                    continue
                elif op == "ListObjectsV2":
                    c.list_objects_v2(Bucket=r["bucket"], Prefix=r["prefix"],
                                      ContinuationToken=r["continuation"],
                                      StartAfter=r["start_after"], MaxKeys=r["max_keys"])
                else:
                    raise SystemExit("unknown op " + op)
            except SystemExit:
                raise
            except Exception:  # parsing our empty fake response may fail; the request is captured
                pass
            req = captured["request"]
            headers = [[k, v.decode() if isinstance(v, bytes) else v] for k, v in req.headers.items()]
            authz = dict((k.lower(), v) for k, v in headers)["authorization"]
            out.write(json.dumps({"url": req.url, "headers": headers, "authorization": authz}) + "\n")


if __name__ == "__main__":
    main()
