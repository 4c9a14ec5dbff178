#!/usr/bin/env python3
"""A small OTLP/HTTP trace receiver for tests: what an OpenTelemetry collector would be given.

    otlp-receiver.py [--port N]

Listens on 127.0.0.1 (port 0 picks a free one) and prints `listening <port>` once ready.
POST /v1/traces takes an ExportTraceServiceRequest in either OTLP/HTTP encoding (binary protobuf
or JSON) and keeps its spans; GET /spans answers them as a JSON list, one object per span:
service, name, kind, traceId, spanId, parentSpanId (hex, "" for a root), links ([{traceId, spanId}])
and attributes (a flat object). A body it cannot read gets 400 with the reason.
"""
import argparse
import base64
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from google.protobuf import json_format
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

KINDS = {0: "unspecified", 1: "internal", 2: "server", 3: "client", 4: "producer", 5: "consumer"}
spans = []
lock = threading.Lock()


def hex_id(value):
    """An id as MessageToDict gives it (base64 of the bytes) in hex, as OTLP/JSON spells it."""
    return base64.b64decode(value).hex() if value else ""


def attribute_value(value):
    for key in ("stringValue", "boolValue", "doubleValue"):
        if key in value:
            return value[key]
    if "intValue" in value:
        return int(value["intValue"])
    return value


def flatten(request):
    """The spans of an ExportTraceServiceRequest (as a dict in the protobuf JSON mapping)."""
    out = []
    for resource_spans in request.get("resourceSpans", []):
        resource = {a["key"]: attribute_value(a["value"]) for a in resource_spans.get("resource", {}).get("attributes", [])}
        for scope_spans in resource_spans.get("scopeSpans", []):
            for span in scope_spans.get("spans", []):
                out.append({
                    "service": resource.get("service.name", ""),
                    "name": span.get("name", ""),
                    "kind": KINDS.get(span.get("kind", 0), str(span.get("kind"))),
                    "traceId": hex_id(span.get("traceId")),
                    "spanId": hex_id(span.get("spanId")),
                    "parentSpanId": hex_id(span.get("parentSpanId")),
                    "links": [{"traceId": hex_id(link.get("traceId")), "spanId": hex_id(link.get("spanId"))}
                              for link in span.get("links", [])],
                    "attributes": {a["key"]: attribute_value(a["value"]) for a in span.get("attributes", [])},
                })
    return out


def parse(body, content_type):
    message = trace_service_pb2.ExportTraceServiceRequest()
    if content_type.startswith("application/x-protobuf"):
        message.ParseFromString(body)
    elif content_type.startswith("application/json"):
        # OTLP/JSON spells ids in hex; the protobuf JSON mapping wants base64.
        request = json.loads(body)
        for resource_spans in request.get("resourceSpans", []):
            for scope_spans in resource_spans.get("scopeSpans", []):
                for span in scope_spans.get("spans", []):
                    for holder in [span] + span.get("links", []):
                        for key in ("traceId", "spanId", "parentSpanId"):
                            if holder.get(key):
                                holder[key] = base64.b64encode(bytes.fromhex(holder[key])).decode()
        json_format.ParseDict(request, message)
    else:
        raise ValueError(f"unsupported Content-Type {content_type!r}: OTLP/HTTP is application/x-protobuf or application/json")
    return flatten(json_format.MessageToDict(message, use_integers_for_enums=True))


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/v1/traces":
            return self.answer(404, b"only /v1/traces", "text/plain")
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        content_type = self.headers.get("Content-Type", "")
        try:
            received = parse(body, content_type)
        except Exception as error:  # a body this receiver cannot read: say why
            return self.answer(400, str(error).encode(), "text/plain")
        with lock:
            spans.extend(received)
        if content_type.startswith("application/json"):
            self.answer(200, b"{}", "application/json")
        else:
            self.answer(200, b"", "application/x-protobuf")

    def do_GET(self):
        if self.path != "/spans":
            return self.answer(404, b"only /spans", "text/plain")
        with lock:
            body = json.dumps(spans).encode()
        self.answer(200, body, "application/json")

    def answer(self, status, body, content_type):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    options = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", options.port), Handler)
    print(f"listening {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
