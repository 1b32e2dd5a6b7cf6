#!/usr/bin/env python3
"""An EC2 front for the provision fault tests: an HTTP proxy in front of moto's EC2 (Query API,
form POSTs) that behaves the way real EC2 does where moto is kinder, and misbehaves on demand.

Usage: ec2_front.py --upstream http://127.0.0.1:PORT --port-file FILE --log FILE
                    [--hide-s S [--hide-what all|instances|groups]] [--throttle N] [--capacity-error TYPE] [--drop-answer ACTION:N]
                    [--no-default-vpc]

Always on (EC2 behaviour moto lacks):
  ClientToken     RunInstances is idempotent per ClientToken (moto 5.2.1 stores the token but
                  launches again): a request whose token was seen gets the first answer replayed
                  without reaching moto (IdempotentParameterMismatch when its other parameters
                  differ).
  snapshot tags   CreateImage's TagSpecification for ResourceType snapshot is dropped before
                  moto (moto 5.2.1 raises NotImplementedError on it; EC2 tags the snapshots).
  placement groups  CreatePlacementGroup / DescribePlacementGroups (filters group-name, tag-key,
                  tag:KEY) / DeletePlacementGroup are answered here (moto answers 500).
Faults:
  --hide-s S      eventual consistency: for S seconds after RunInstances / CreateSecurityGroup
                  returned them, new instances and security groups are unknown to every call that
                  names them (400 InvalidInstanceID.NotFound / InvalidGroup.NotFound) and missing
                  from filtered Describe* answers. --hide-what limits it to one kind.
  --throttle N    the first N requests are answered 503 RequestLimitExceeded.
  --capacity-error TYPE  RunInstances of instance type TYPE is answered 500
                  InsufficientInstanceCapacity (what EC2 sends when a type has no capacity).
  --refuse TYPE[:spot|:on-demand]=CODE  (repeatable) RunInstances of TYPE (only spot / only
                  on-demand requests when given) is answered CODE: 500 for Insufficient*, else 400
                  (Unsupported: the type is not offered in the zone; InvalidParameterValue …).
  --silent-address N=IP  (repeatable) the Nth instance launched through the front (from 1) is
                  reported with private IP IP in every answer: a test points it at an address
                  where nothing answers ssh, so the node never becomes reachable.
  --image-pending-s S  images stay "pending" in DescribeImages for S seconds after CreateImage.
  --drop-answer ACTION:N  the first N requests of ACTION reach moto, then the connection is closed
                  without an answer (the client cannot know the call succeeded).
  --no-default-vpc  the region has no default VPC (accounts made before 2013-12, or deleted it):
                  DescribeVpcs filtered by is-default=true lists none, and RunInstances without a
                  SubnetId is answered 400 VPCIdNotSpecified, as EC2 does (moto always has one).
The log gets one JSON object per request: {"action", "outcome", "params"}; outcome is one of
forwarded, hidden, throttled, capacity, dropped, replayed, emulated, refused, readdressed.
"""
import argparse
import hashlib
import http.client
import http.server
import json
import os
import re
import threading
import time
import urllib.parse
import uuid
import xml.etree.ElementTree as ET

NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
ET.register_namespace("", NS)


def q(tag):
    return "{%s}%s" % (NS, tag)


def error_body(code, message):
    return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>%s</Code>"
            "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
            % (code, message, uuid.uuid4())).encode()


def numbered(params, prefix):
    """Values of prefix.1, prefix.2, … (and a bare prefix)."""
    out = [v for k, v in params.items() if k == prefix or re.fullmatch(re.escape(prefix) + r"\.\d+", k)]
    return out


def filters(params):
    """{name: [values]} of Filter.N.Name / Filter.N.Value.M."""
    out = {}
    for k, v in params.items():
        m = re.fullmatch(r"Filter\.(\d+)\.Name", k)
        if m:
            out[v] = numbered(params, "Filter.%s.Value" % m.group(1))
    return out


def tags_of(params, n=1):
    out = {}
    for k, v in params.items():
        m = re.fullmatch(r"TagSpecification\.%d\.Tag\.(\d+)\.Key" % n, k)
        if m:
            out[v] = params.get("TagSpecification.%d.Tag.%s.Value" % (n, m.group(1)), "")
    return out


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.hidden = {}  # id -> time it becomes visible
        self.tokens = {}  # ClientToken -> (params digest, status, body)
        self.placement_groups = {}  # name -> {"id", "strategy", "tags"}
        self.throttle_left = args.throttle
        action, _, n = (args.drop_answer or ":0").partition(":")
        self.drop_action, self.drop_left = action, int(n or 0)
        self.log = open(args.log, "a", buffering=1) if args.log else None
        self.launched = 0  # instances launched through the front so far
        self.silent = {int(n): ip for n, _, ip in
                       (e.partition("=") for e in args.silent_address)}
        self.readdressed = {}  # instance id -> (moto's private ip, the reported one)
        self.images = {}  # image id -> time it becomes available

    def refusal(self, params):
        """The error code RunInstances with these params is refused with, or None."""
        market = "spot" if params.get("InstanceMarketOptions.MarketType") == "spot" else "on-demand"
        for entry in self.args.refuse:
            what, _, code = entry.partition("=")
            itype, _, only = what.partition(":")
            if itype == params.get("InstanceType") and only in ("", market):
                return code
        return None

    def readdress(self, data):
        """Rewrites the private IPs of silenced instances in an answer."""
        for iid, (real, fake) in self.readdressed.items():
            data = re.sub(rb"(<instanceId>" + iid.encode() + rb"</instanceId>.*?)"
                          rb"<privateIpAddress>" + re.escape(real.encode()) + rb"</privateIpAddress>",
                          lambda m: m.group(1) + b"<privateIpAddress>" + fake.encode() +
                          b"</privateIpAddress>", data, flags=re.S)
        return data

    def is_hidden(self, ident):
        t = self.hidden.get(ident)
        return t is not None and time.monotonic() < t

    def hide(self, kind, ids):
        if self.args.hide_s > 0 and self.args.hide_what in ("all", kind):
            until = time.monotonic() + self.args.hide_s
            for i in ids:
                self.hidden[i] = until

    def record(self, action, outcome, params):
        if self.log:
            self.log.write(json.dumps({"action": action, "outcome": outcome,
                                       "params": params}) + "\n")


def strip_hidden(state, action, body):
    """Removes hidden instances / groups from a Describe* answer."""
    root = ET.fromstring(body)
    removed = 0
    if action == "DescribeInstances":
        rset = root.find(q("reservationSet"))
        for res in list(rset) if rset is not None else []:
            iset = res.find(q("instancesSet"))
            for inst in list(iset) if iset is not None else []:
                if state.is_hidden(inst.findtext(q("instanceId"))):
                    iset.remove(inst)
                    removed += 1
            if iset is not None and len(iset) == 0:
                rset.remove(res)
    elif action == "DescribeSecurityGroups":
        gset = root.find(q("securityGroupInfo"))
        for g in list(gset) if gset is not None else []:
            if state.is_hidden(g.findtext(q("groupId"))):
                gset.remove(g)
                removed += 1
    if removed == 0:
        return body, False
    return ET.tostring(root, encoding="utf-8"), True


def placement_groups(state, action, params):
    """EC2's placement group calls, answered here. Returns (status, body)."""
    pgs = state.placement_groups
    if action == "CreatePlacementGroup":
        name = params.get("GroupName", "")
        if name in pgs:
            return 400, error_body("InvalidPlacementGroup.Duplicate",
                                   "The Placement Group '%s' already exists." % name)
        pgs[name] = {"id": "pg-%s" % uuid.uuid4().hex[:17],
                     "strategy": params.get("Strategy", "cluster"), "tags": tags_of(params)}
        return 200, ("<CreatePlacementGroupResponse xmlns=\"%s\"><requestId>%s</requestId>"
                     "<return>true</return></CreatePlacementGroupResponse>"
                     % (NS, uuid.uuid4())).encode()
    if action == "DeletePlacementGroup":
        name = params.get("GroupName", "")
        if name not in pgs:
            return 400, error_body("InvalidPlacementGroup.Unknown",
                                   "The Placement Group '%s' is unknown." % name)
        del pgs[name]
        return 200, ("<DeletePlacementGroupResponse xmlns=\"%s\"><requestId>%s</requestId>"
                     "<return>true</return></DeletePlacementGroupResponse>"
                     % (NS, uuid.uuid4())).encode()
    wanted = filters(params)
    names = numbered(params, "GroupName")
    items = ""
    for name, pg in sorted(pgs.items()):
        if names and name not in names:
            continue
        if "group-name" in wanted and name not in wanted["group-name"]:
            continue
        if "tag-key" in wanted and not set(wanted["tag-key"]) & set(pg["tags"]):
            continue
        if any(k.startswith("tag:") and pg["tags"].get(k[4:]) not in v for k, v in wanted.items()):
            continue
        tags = "".join("<item><key>%s</key><value>%s</value></item>" % kv
                       for kv in pg["tags"].items())
        items += ("<item><groupName>%s</groupName><groupId>%s</groupId><state>available</state>"
                  "<strategy>%s</strategy><tagSet>%s</tagSet></item>"
                  % (name, pg["id"], pg["strategy"], tags))
    return 200, ("<DescribePlacementGroupsResponse xmlns=\"%s\"><requestId>%s</requestId>"
                 "<placementGroupSet>%s</placementGroupSet></DescribePlacementGroupsResponse>"
                 % (NS, uuid.uuid4(), items)).encode()


def hidden_reference(state, action, params):
    """The error EC2 answers when the request names a hidden resource, or None."""
    instance_ids = numbered(params, "InstanceId") + numbered(params, "ResourceId")
    group_ids = numbered(params, "GroupId") + numbered(params, "SecurityGroupId")
    group_ids += filters(params).get("group-id", [])
    for i in instance_ids:
        if state.is_hidden(i):
            return error_body("InvalidInstanceID.NotFound",
                              "The instance ID '%s' does not exist" % i)
    for g in group_ids:
        if state.is_hidden(g):
            return error_body("InvalidGroup.NotFound",
                              "The security group '%s' does not exist" % g)
    return None


def without_snapshot_tags(params):
    """The form without TagSpecification.N.* of ResourceType snapshot, encoded again."""
    drop = [m.group(1) for k, v in params.items()
            for m in [re.fullmatch(r"TagSpecification\.(\d+)\.ResourceType", k)]
            if m and v == "snapshot"]
    kept = {k: v for k, v in params.items()
            if not any(k.startswith("TagSpecification.%s." % n) for n in drop)}
    return urllib.parse.urlencode(kept).encode()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log")
    ap.add_argument("--hide-s", type=float, default=0)
    ap.add_argument("--hide-what", choices=["all", "instances", "groups"], default="all")
    ap.add_argument("--throttle", type=int, default=0)
    ap.add_argument("--capacity-error", default="")
    ap.add_argument("--drop-answer", default="")
    ap.add_argument("--refuse", action="append", default=[])
    ap.add_argument("--silent-address", action="append", default=[])
    ap.add_argument("--image-pending-s", type=float, default=0)
    ap.add_argument("--no-default-vpc", action="store_true")
    args = ap.parse_args()
    up = urllib.parse.urlsplit(args.upstream)
    state = State(args)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, body, content_type="text/xml;charset=UTF-8"):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def forward(self, body):
            conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
            headers = {k: v for k, v in self.headers.items()
                       if k.lower() not in ("connection", "content-length")}
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            ctype = resp.getheader("Content-Type", "text/xml")
            conn.close()
            return resp.status, data, ctype

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            params = dict(urllib.parse.parse_qsl(body.decode(), keep_blank_values=True))
            action = params.get("Action", "")
            logged = {k: v for k, v in params.items() if k != "UserData"}
            with state.lock:
                if state.throttle_left > 0:
                    state.throttle_left -= 1
                    state.record(action, "throttled", logged)
                    return self.answer(503, error_body("RequestLimitExceeded",
                                                       "Request limit exceeded."))
                if action.endswith("PlacementGroup") or action == "DescribePlacementGroups":
                    state.record(action, "emulated", logged)
                    return self.answer(*placement_groups(state, action, params))
                refused = hidden_reference(state, action, params)
                if refused is not None:
                    state.record(action, "hidden", logged)
                    return self.answer(400, refused)
                if args.no_default_vpc and action == "DescribeVpcs" and \
                        filters(params).get("is-default") == ["true"]:
                    state.record(action, "emulated", logged)
                    return self.answer(200, ("<DescribeVpcsResponse xmlns=\"%s\"><requestId>%s"
                                             "</requestId><vpcSet/></DescribeVpcsResponse>"
                                             % (NS, uuid.uuid4())).encode())
                if args.no_default_vpc and action == "RunInstances" and \
                        not params.get("SubnetId") and \
                        not params.get("NetworkInterface.1.SubnetId"):
                    state.record(action, "refused", logged)
                    return self.answer(400, error_body(
                        "VPCIdNotSpecified", "No default VPC for this user. GroupName is only "
                        "supported for EC2-Classic and default VPC."))
                refused_code = state.refusal(params) if action == "RunInstances" else None
                if refused_code:
                    state.record(action, "refused", logged)
                    return self.answer(500 if refused_code.startswith("Insufficient") else 400,
                                       error_body(refused_code, "Refused by ec2_front for %s."
                                                  % params.get("InstanceType")))
                if action == "RunInstances" and params.get("InstanceType") == args.capacity_error:
                    state.record(action, "capacity", logged)
                    return self.answer(500, error_body(
                        "InsufficientInstanceCapacity",
                        "We currently do not have sufficient %s capacity in the Availability "
                        "Zone you requested." % args.capacity_error))
                token = params.get("ClientToken", "") if action == "RunInstances" else ""
                digest = hashlib.sha256(json.dumps(
                    {k: v for k, v in sorted(params.items()) if k != "ClientToken"}).encode()
                ).hexdigest()
                if token and token in state.tokens:
                    seen_digest, status, data = state.tokens[token]
                    if seen_digest != digest:
                        state.record(action, "mismatch", logged)
                        return self.answer(400, error_body(
                            "IdempotentParameterMismatch",
                            "The client token you have provided is associated with a resource "
                            "that is already deleted or has different parameters."))
                    state.record(action, "replayed", logged)
                    return self.answer(status, data)
                drop = action == state.drop_action and state.drop_left > 0
                if drop:
                    state.drop_left -= 1
            if action == "CreateImage":
                body = without_snapshot_tags(params)
            status, data, ctype = self.forward(body)
            with state.lock:
                if status == 200 and action == "RunInstances":
                    state.hide("instances", [i.decode() for i in
                                re.findall(rb"<instanceId>(i-[0-9a-f]+)</instanceId>", data)])
                    if token:
                        state.tokens[token] = (digest, status, data)
                if status == 200 and action == "RunInstances":
                    for block in re.findall(rb"<instanceId>(i-[0-9a-f]+)</instanceId>.*?"
                                            rb"<privateIpAddress>([0-9.]+)</privateIpAddress>",
                                            data, flags=re.S):
                        state.launched += 1
                        if state.launched in state.silent:
                            state.readdressed[block[0].decode()] = (
                                block[1].decode(), state.silent[state.launched])
                if status == 200 and action == "CreateImage":
                    for i in re.findall(rb"<imageId>(ami-[0-9a-f]+)</imageId>", data):
                        state.images[i.decode()] = time.monotonic() + args.image_pending_s
                if status == 200 and action == "DescribeImages":
                    for iid, t in state.images.items():
                        if time.monotonic() < t:
                            data = re.sub(rb"(<imageId>" + iid.encode() +
                                          rb"</imageId>.*?<imageState>)available(</imageState>)",
                                          rb"\1pending\2", data, flags=re.S)
                if status == 200 and action in ("RunInstances", "DescribeInstances") and \
                        state.readdressed:
                    data = state.readdress(data)
                if status == 200 and action == "CreateSecurityGroup":
                    state.hide("groups", [g.decode() for g in
                                re.findall(rb"<groupId>(sg-[0-9a-f]+)</groupId>", data)])
                outcome = "dropped" if drop else "forwarded"
                if status == 200 and action in ("DescribeInstances", "DescribeSecurityGroups"):
                    data, stripped = strip_hidden(state, action, data)
                    if stripped:
                        outcome = "hidden"
                state.record(action, outcome, logged)
            if drop:
                self.close_connection = True
                self.connection.close()
                return
            self.answer(status, data, ctype)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(args.port_file + ".tmp", args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
