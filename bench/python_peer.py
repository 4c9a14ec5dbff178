#!/usr/bin/env python3
"""The benchmark's baseline: IT's ingest written as a Python team would write it.

confluent-kafka consumer + sqlite3, one transaction per batch, dedupe by event id, last-touch
attribution (30-day window) and per-campaign counters. Prints one JSON line:
{"events": N, "seconds": S} measured from the first message to the N-th.
"""
import argparse
import json
import sqlite3
import time

from confluent_kafka import Consumer

WINDOW_MS = 30 * 86_400_000


def millis(text):
    # 2026-10-01T00:00:00.000Z -> epoch milliseconds
    from datetime import datetime
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", default="customer.interactions")
    parser.add_argument("--group", required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--events", type=int, required=True)
    args = parser.parse_args()

    db = sqlite3.connect(args.database)
    db.executescript("""
        PRAGMA journal_mode=WAL;
        CREATE TABLE IF NOT EXISTS applied (id TEXT PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS touches (customer_id TEXT, at INTEGER, campaign_id TEXT);
        CREATE INDEX IF NOT EXISTS touches_customer ON touches (customer_id, at);
        CREATE TABLE IF NOT EXISTS orders (order_id TEXT PRIMARY KEY, campaign_id TEXT, revenue INTEGER);
        CREATE TABLE IF NOT EXISTS counters (campaign_id TEXT PRIMARY KEY, impressions INTEGER DEFAULT 0,
            clicks INTEGER DEFAULT 0, visits INTEGER DEFAULT 0, signups INTEGER DEFAULT 0,
            purchases INTEGER DEFAULT 0, revenue INTEGER DEFAULT 0);
    """)
    # The services' session timeout (6 s): the local broker holds a group's first join for about
    # half of it, so librdkafka's default (45 s) would add 20 s to the peer's start-up alone.
    consumer = Consumer({
        "bootstrap.servers": args.brokers, "group.id": args.group, "auto.offset.reset": "earliest",
        "enable.auto.commit": False, "session.timeout.ms": 6000,
    })
    consumer.subscribe([args.topic])
    seen = 0
    started = None
    while seen < args.events:
        messages = consumer.consume(num_messages=500, timeout=1.0)
        if not messages:
            continue
        if started is None:
            started = time.monotonic()
        with db:
            for message in messages:
                if message.error():
                    continue
                seen += 1
                event = json.loads(message.value())
                if db.execute("INSERT OR IGNORE INTO applied (id) VALUES (?)", (event["id"],)).rowcount == 0:
                    continue
                data = event["data"]
                kind = data["kind"]
                at = millis(data["occurredAt"])
                campaign = data.get("campaignId")
                if kind == "purchase":
                    new = db.execute("INSERT OR IGNORE INTO orders (order_id) VALUES (?)", (data["orderId"],)).rowcount
                    if not new:
                        continue
                    if campaign is None:
                        row = db.execute(
                            "SELECT campaign_id FROM touches WHERE customer_id = ? AND at <= ? AND at >= ? "
                            "ORDER BY at DESC LIMIT 1", (data["customerId"], at, at - WINDOW_MS)).fetchone()
                        campaign = row[0] if row else None
                    revenue = data["revenue"]["amountMinor"]
                    db.execute("UPDATE orders SET campaign_id = ?, revenue = ? WHERE order_id = ?",
                               (campaign, revenue, data["orderId"]))
                    if campaign:
                        db.execute("INSERT OR IGNORE INTO counters (campaign_id) VALUES (?)", (campaign,))
                        db.execute("UPDATE counters SET purchases = purchases + 1, revenue = revenue + ? "
                                   "WHERE campaign_id = ?", (revenue, campaign))
                elif campaign:
                    column = {"impression": "impressions", "click": "clicks", "visit": "visits",
                              "signup": "signups"}.get(kind)
                    if column:
                        db.execute("INSERT OR IGNORE INTO counters (campaign_id) VALUES (?)", (campaign,))
                        db.execute(f"UPDATE counters SET {column} = {column} + 1 WHERE campaign_id = ?", (campaign,))
                    if kind in ("click", "visit"):
                        db.execute("INSERT INTO touches VALUES (?, ?, ?)", (data["customerId"], at, campaign))
        consumer.commit(asynchronous=False)
    elapsed = time.monotonic() - started
    consumer.close()
    print(json.dumps({"events": seen, "seconds": elapsed}))


if __name__ == "__main__":
    main()
