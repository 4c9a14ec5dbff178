#!/usr/bin/env python3
"""Publishes JSON Lines to a Kafka topic with the Python confluent-kafka client, as a system
outside Triad would. It does not validate anything: what the services do with bad input is theirs.

  structured: the line is the Kafka value (a whole CloudEvent), header content-type
              application/cloudevents+json, key = the event's subject.
  binary:     the CloudEvent's attributes go into ce_* headers and its data is the value.
Lines that are not JSON objects are sent as they are (structured) with the key from --key.
"""
import argparse
import json
import sys

from confluent_kafka import Producer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", required=True)
    parser.add_argument("--file", required=True)
    parser.add_argument("--mode", choices=["structured", "binary"], default="structured")
    parser.add_argument("--key", default="unkeyed", help="key for lines that carry no subject")
    args = parser.parse_args()

    producer = Producer({"bootstrap.servers": args.brokers, "enable.idempotence": True})
    failures = []

    def report(error, message):
        if error is not None:
            failures.append(str(error))

    count = 0
    with open(args.file, encoding="utf-8") as lines:
        for line in lines:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            try:
                event = json.loads(line)
            except ValueError:
                event = None
            if not isinstance(event, dict):
                producer.produce(args.topic, key=args.key, value=line.encode(), on_delivery=report,
                                 headers=[("content-type", b"application/cloudevents+json")])
            elif args.mode == "binary" and "data" in event:
                headers = [("ce_" + name, str(value).encode()) for name, value in event.items()
                           if name not in ("data", "datacontenttype")]
                headers.append(("content-type", b"application/json"))
                producer.produce(args.topic, key=str(event.get("subject", args.key)),
                                 value=json.dumps(event["data"]).encode(), headers=headers, on_delivery=report)
            else:
                producer.produce(args.topic, key=str(event.get("subject", args.key)), value=line.encode(),
                                 headers=[("content-type", b"application/cloudevents+json")], on_delivery=report)
            count += 1
            producer.poll(0)
    remaining = producer.flush(30)
    if remaining or failures:
        sys.exit(f"publish_events: {remaining} undelivered, failures: {failures[:3]}")
    print(f"publish_events: {count} message(s) to {args.topic} ({args.mode})")


if __name__ == "__main__":
    main()
