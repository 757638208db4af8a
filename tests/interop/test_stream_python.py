#!/usr/bin/python3
"""test_stream_python.py - an independent client of a node's event stream in another language.

Debian's own /usr/bin/python3 with python3-zmq and python3-protobuf, and Python code generated at
test time by `protoc --python_out` from the project's proto/ files (nothing from the C side):
it subscribes to the PUB socket, creates persons through the gateway's HTTP API, receives their
[topic][CloudEvent] frames live, replays the whole retained log with stream.Read on a DEALER
(Envelope/Reply by hand) and checks every CloudEvent attribute and payload.
Does not: test CURVE or the HTTP stream endpoints (their own tests do).

Environment: VB_TEST_NODE_DIR (the node fixture's directory with its env file), VB_SOURCE_DIR
(the repository; default: two levels up from this file). Exit 0 when every check passed.
"""
import datetime
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import types
import urllib.request
import uuid

import zmq

SOURCE_DIR = os.environ.get("VB_SOURCE_DIR") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEARTBEAT_TOPIC = b"verbund.stream.heartbeat"
PERSON_CREATED = "verbund.membership.person.created.v1"
UUID7 = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
TYPE = re.compile(r"^verbund\.([a-z_]+)\.[a-z_]+\.[a-z_]+\.v1$")
SEQUENCE_WIDTH = 20
STATUS_OK = 1
ROLE_ADMIN = 1

failures = []


def check(condition, message):
    """Records a failed check (the test goes on so one run shows every problem)."""
    if not condition:
        failures.append(message)
        print("FAIL: " + message, file=sys.stderr)
    return condition


def read_env():
    node_dir = os.environ.get("VB_TEST_NODE_DIR")
    if not node_dir:
        sys.exit("VB_TEST_NODE_DIR is not set (run through ctest with the node fixture)")
    env = {}
    with open(os.path.join(node_dir, "env"), encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    for key in ("VERBUND_STREAM_PUB_ENDPOINT", "VERBUND_STREAM_REPLAY_ENDPOINT",
                "VB_TEST_HTTP_URL", "VB_TEST_ADMIN_TOKEN"):
        if not env.get(key):
            sys.exit("%s/env has no %s" % (node_dir, key))
    return env


def generate(out_dir):
    """protoc --python_out for every .proto under proto/; returns the generated modules."""
    proto_dir = os.path.join(SOURCE_DIR, "proto")
    protos = []
    for root, _, files in os.walk(proto_dir):
        protos += [os.path.relpath(os.path.join(root, name), proto_dir)
                   for name in files if name.endswith(".proto")]
    subprocess.run(["protoc", "-I", proto_dir, "-I", "/usr/include",
                    "--python_out=" + out_dir] + sorted(protos), check=True)
    # io.cloudevents.v1 cannot be imported by name: "io" is the standard library's module.
    # Load it from its file and register the package path in sys.modules so that the generated
    # "from io.cloudevents.v1 import cloudevents_pb2" of stream_pb2 finds it.
    path = os.path.join(out_dir, "io", "cloudevents", "v1", "cloudevents_pb2.py")
    spec = importlib.util.spec_from_file_location("io.cloudevents.v1.cloudevents_pb2", path)
    cloudevents_pb2 = importlib.util.module_from_spec(spec)
    for name in ("io.cloudevents", "io.cloudevents.v1"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["io.cloudevents.v1"].cloudevents_pb2 = cloudevents_pb2
    sys.modules["io.cloudevents.v1.cloudevents_pb2"] = cloudevents_pb2
    spec.loader.exec_module(cloudevents_pb2)
    sys.path.insert(0, out_dir)
    from verbund.rpc.v1 import rpc_pb2
    from verbund.stream.v1 import stream_pb2
    # Every service's package: the replayed log holds the events of all of them, and each one
    # must decode here by its dataschema.
    payload_modules = []
    for service in sorted(os.listdir(os.path.join(proto_dir, "verbund"))):
        if service in ("rpc", "common", "stream"):
            continue
        payload_modules.append(importlib.import_module(
            "verbund.%s.v1.%s_pb2" % (service, service)))
    return cloudevents_pb2, rpc_pb2, stream_pb2, payload_modules


def http_json(env, method, path, body=None):
    request = urllib.request.Request(
        env["VB_TEST_HTTP_URL"] + path, method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": "Bearer " + env["VB_TEST_ADMIN_TOKEN"],
                 "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


def attribute(event, name):
    """The value of a CloudEvent attribute (strings of any kind, timestamps), or None."""
    if name not in event.attributes:
        return None
    value = event.attributes[name]
    kind = value.WhichOneof("attr")
    return getattr(value, kind) if kind else None


class Replay:
    """stream.Read / stream.Head over a DEALER with hand-made Envelopes."""

    def __init__(self, context, endpoint, rpc_pb2, stream_pb2):
        self.socket = context.socket(zmq.DEALER)
        self.socket.setsockopt(zmq.LINGER, 0)
        self.socket.connect(endpoint)
        self.rpc_pb2 = rpc_pb2
        self.stream_pb2 = stream_pb2

    def call(self, method, request, reply_type, timeout_ms=10000):
        envelope = self.rpc_pb2.Envelope()
        envelope.method = method
        envelope.request_id = str(uuid.uuid4())
        envelope.deadline_unix_ms = int(time.time() * 1000) + timeout_ms
        envelope.caller.id = "python-interop"
        envelope.caller.role = ROLE_ADMIN
        envelope.body = request.SerializeToString()
        self.socket.send(envelope.SerializeToString())
        deadline = time.monotonic() + timeout_ms / 1000
        while time.monotonic() < deadline:
            if not self.socket.poll(int((deadline - time.monotonic()) * 1000) + 1):
                break
            reply = self.rpc_pb2.Reply()
            reply.ParseFromString(self.socket.recv())
            if reply.request_id != envelope.request_id:
                continue  # a late answer to something else
            if reply.status != STATUS_OK:
                raise RuntimeError("%s: status %d %s" % (method, reply.status, reply.message))
            body = reply_type()
            body.ParseFromString(reply.body)
            return body
        raise RuntimeError("%s: no reply in %d ms" % (method, timeout_ms))

    def read_all(self, after):
        """Every event after `after` up to the newest, in the order the service sent them."""
        events = []
        while True:
            request = self.stream_pb2.ReadRequest(after=after, limit=1000)
            reply = self.call("stream.Read", request, self.stream_pb2.ReadReply)
            events += list(reply.events)
            check(reply.scanned_through >= after, "scanned_through went backwards")
            if reply.scanned_through <= after or reply.scanned_through >= reply.newest_sequence:
                return events, reply.newest_sequence
            after = reply.scanned_through


def check_event(event, node_id, modules, where):
    """Checks the attributes and payload of one CloudEvent; returns the decoded payload."""
    label = "%s event %s (%s)" % (where, event.id, event.type)
    check(event.spec_version == "1.0", label + ": specversion %r" % event.spec_version)
    check(UUID7.match(event.id) is not None, label + ": id is not a UUIDv7")
    match = TYPE.match(event.type)
    check(match is not None, label + ": type does not look like verbund.<service>.<e>.<v>.v1")
    service = match.group(1) if match else "?"
    check(event.source == "//verbund/%s/%s" % (node_id, service),
          label + ": source %r" % event.source)
    check(bool(attribute(event, "subject")), label + ": no subject")
    stamp = attribute(event, "time")
    ok = check(stamp is not None and hasattr(stamp, "ToDatetime"), label + ": no time timestamp")
    if ok:
        when = stamp.ToDatetime()
        now = datetime.datetime.utcnow()
        check(datetime.timedelta(days=-60) < when - now < datetime.timedelta(minutes=5),
              label + ": time %s is not recent" % when)
    sequence = attribute(event, "sequence")
    check(isinstance(sequence, str) and len(sequence) == SEQUENCE_WIDTH and sequence.isdigit(),
          label + ": sequence %r is not zero-padded to %d digits" % (sequence, SEQUENCE_WIDTH))
    check(attribute(event, "datacontenttype") == "application/protobuf",
          label + ": datacontenttype %r" % attribute(event, "datacontenttype"))
    schema = attribute(event, "dataschema")
    check(event.WhichOneof("data") == "binary_data", label + ": data is not binary_data")
    payload = None
    message_class = None
    for module in modules:
        package = module.DESCRIPTOR.package
        if schema and schema.startswith(package + "."):
            message_class = getattr(module, schema[len(package) + 1:], None)
    if check(message_class is not None, label + ": dataschema %r is no known message" % schema):
        payload = message_class()
        try:
            payload.ParseFromString(event.binary_data)
        except Exception as error:  # DecodeError
            check(False, label + ": data does not decode as %s: %s" % (schema, error))
            payload = None
        if payload is not None:
            check(payload.DESCRIPTOR.full_name == schema, label + ": dataschema mismatch")
    return int(sequence) if isinstance(sequence, str) and sequence.isdigit() else 0, payload


def main():
    env = read_env()
    node_id = env.get("VERBUND_NODE_ID", "local")
    with tempfile.TemporaryDirectory(prefix="vb-interop-") as out_dir:
        cloudevents_pb2, rpc_pb2, stream_pb2, payload_modules = generate(out_dir)
        modules = payload_modules + [stream_pb2]
        context = zmq.Context()

        # 1. Subscribe; a heartbeat proves the subscription is in place before we write.
        sub = context.socket(zmq.SUB)
        sub.setsockopt(zmq.LINGER, 0)
        sub.setsockopt(zmq.SUBSCRIBE, b"verbund.membership.person.")
        sub.setsockopt(zmq.SUBSCRIBE, HEARTBEAT_TOPIC)
        sub.connect(env["VERBUND_STREAM_PUB_ENDPOINT"])
        deadline = time.monotonic() + 15
        while True:
            if time.monotonic() > deadline:
                sys.exit("no heartbeat on %s within 15 s" % env["VERBUND_STREAM_PUB_ENDPOINT"])
            if sub.poll(500) and sub.recv_multipart()[0] == HEARTBEAT_TOPIC:
                break

        # 2. Create persons through the gateway.
        tag = uuid.uuid4().hex[:10]
        created = {}
        for i in range(3):
            name = "Interop %s %d" % (tag, i)
            status, body = http_json(env, "POST", "/v1/persons", {
                "name": name, "email": "interop.%s.%d@example.org" % (tag, i)})
            check(status == 201, "POST /v1/persons answered %d" % status)
            created[body["id"]] = name

        # 3. Their person.created events arrive live as [topic][CloudEvent].
        live = {}
        heartbeats = 0
        deadline = time.monotonic() + 20
        while len(live) < len(created) and time.monotonic() < deadline:
            if not sub.poll(500):
                continue
            frames = sub.recv_multipart()
            check(len(frames) == 2, "a PUB message has %d frames, not 2" % len(frames))
            topic = frames[0]
            if topic == HEARTBEAT_TOPIC:
                heartbeat = stream_pb2.Heartbeat()
                heartbeat.ParseFromString(frames[1])
                check(heartbeat.node_id == node_id, "heartbeat node_id %r" % heartbeat.node_id)
                heartbeats += 1
                continue
            event = cloudevents_pb2.CloudEvent()
            event.ParseFromString(frames[1])
            check(topic.decode() == event.type, "topic %r != type %r" % (topic, event.type))
            sequence, payload = check_event(event, node_id, modules, "live")
            if event.type == PERSON_CREATED and payload is not None:
                person_id = attribute(event, "subject")
                if person_id in created:
                    check(payload.person.id == person_id, "live payload id != subject")
                    check(payload.person.name == created[person_id], "live payload name")
                    live[person_id] = sequence
        check(len(live) == len(created),
              "received %d of %d person.created events live" % (len(live), len(created)))

        # 4. Replay the retained log from its start (sequence 1 unless swept by retention).
        replay = Replay(context, env["VERBUND_STREAM_REPLAY_ENDPOINT"], rpc_pb2, stream_pb2)
        head = replay.call("stream.Head", stream_pb2.HeadRequest(), stream_pb2.HeadReply)
        check(head.oldest_sequence >= 1, "stream.Head: oldest %d" % head.oldest_sequence)
        check(head.newest_sequence >= max(live.values() or [0]),
              "stream.Head: newest %d is behind the live events" % head.newest_sequence)
        after = head.oldest_sequence - 1 if head.oldest_sequence > 0 else 0
        events, newest = replay.read_all(after)
        expected = after + 1
        seen_ids = set()
        replayed_names = {}
        for event in events:
            sequence, payload = check_event(event, node_id, modules, "replayed")
            check(sequence == expected, "replay: sequence %d where %d was due" % (sequence, expected))
            expected = sequence + 1
            check(event.id not in seen_ids, "replay: id %s twice" % event.id)
            seen_ids.add(event.id)
            if event.type == PERSON_CREATED and payload is not None:
                replayed_names[attribute(event, "subject")] = (payload.person.name, sequence)
        check(expected - 1 == newest, "replay ended at %d, newest is %d" % (expected - 1, newest))
        for person_id, name in created.items():
            got = replayed_names.get(person_id)
            if check(got is not None, "replay: no person.created for %s" % person_id):
                check(got[0] == name, "replay: name %r != %r" % (got[0], name))
                check(live.get(person_id) in (None, got[1]),
                      "replay and live disagree on the sequence of %s" % person_id)

        # 5. A position older than the retention, if any was swept, is refused, never skipped.
        if head.oldest_sequence > 1:
            try:
                replay.call("stream.Read", stream_pb2.ReadRequest(after=0), stream_pb2.ReadReply)
                check(False, "Read after 0 succeeded although sequence 1 was swept")
            except RuntimeError as error:
                check("status 14" in str(error), "Read after 0: %s" % error)

        sub.close()
        replay.socket.close()
        context.term()

    print("interop: %d events replayed (%d..%d), %d live, %d heartbeats, %d failures"
          % (len(events), after + 1, newest, len(live), heartbeats, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
