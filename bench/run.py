#!/usr/bin/env python3
"""Triad's ingest benchmark: one command, one run, one broker per workload, every figure a ratio
against baselines measured in the same run.

Phases:
  raw       kcat consuming the interactions (output discarded): what librdkafka alone does
  peer      bench/python_peer.py: confluent-kafka + sqlite3, as a Python team would write IT's ingest
  sqlite    it-service on SQLite (release build)
  pg-1/2/3  it-service on PostgreSQL, 1, 2 and 3 instances in one group, their database connections
            through bench/delay_proxy.py adding 1 ms each way
  hot       the same service on a workload where ten customers make half of the interactions,
            against the same-sized workload spread over every customer
  finance   finance-service on SQLite ingesting ad-spend events
  rss       it-service's resident memory after 100,000 and after 1,000,000 events (one run)
  latency   HTTP read latency, asked one request after another while one instance on PostgreSQL
            (through the delay proxy) ingests at full speed, and again once it has nothing left to
            ingest; p50, p99 and max: IT's GET /customers/{id} (ingesting interactions) and
            marketing's GET /briefing (ingesting insights and ROI reports)

Usage: scripts/bench.sh [--events 200000] [--skip postgres,rss] [--out docs/benchmark.md]
       scripts/bench.sh --only latency [--release-dir DIR]   (prints the figures; writes --out only if given)
--release-dir runs the executables of another checkout's release build (for a before/after comparison)
instead of building this one.
"""
import argparse
import contextlib
import http.client
import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta, timezone

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
RELEASE = os.path.join(ROOT, ".build", "release")
PARTITIONS = 6
START = datetime(2026, 10, 1, tzinfo=timezone.utc)


def log(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_for(what, condition, timeout=120, every=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise RuntimeError(f"timed out waiting for {what}")


# MARK: Workloads

def iso(ms):
    return (START + timedelta(milliseconds=ms)).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def interaction(index, customer, kind, ms, campaign=None, order=None, revenue=None, prefix="b"):
    data = {"customerId": customer, "kind": kind, "occurredAt": iso(ms), "segment": f"s{hash(customer) % 4}"}
    if campaign:
        data["campaignId"] = campaign
        data["channel"] = "search"
    if order:
        data["orderId"] = order
        data["revenue"] = {"amountMinor": revenue, "currency": "EUR"}
    event = {"specversion": "1.0", "id": f"{prefix}-{index}", "source": "/bench/shop", "type": "triad.customer.interaction",
             "time": iso(ms), "subject": customer, "datacontenttype": "application/json", "schemaversion": 1, "data": data}
    return customer, json.dumps(event, separators=(",", ":")).encode()


def interactions(n, customers=20_000, campaigns=40, seed=7, hot=0, prefix="b"):
    """n interactions over `customers` customers and `campaigns` campaigns, 10 % purchases. With
    `hot`, that many customers make half of all interactions."""
    rng = random.Random(seed)
    out = []
    for index in range(n):
        if hot and index % 2 == 0:
            customer = f"hot-{rng.randrange(hot)}"
        else:
            customer = f"cust-{rng.randrange(customers)}"
        ms = index * 10  # spans n/100 seconds of event time: no one goes inactive
        roll = rng.randrange(100)
        campaign = f"c-{rng.randrange(campaigns)}"
        if roll < 10:
            order_campaign = campaign if rng.randrange(100) < 30 else None
            out.append(interaction(index, customer, "purchase", ms, order_campaign, f"o-{prefix}-{index}",
                                   100 + rng.randrange(9_900), prefix))
        elif roll < 40:
            out.append(interaction(index, customer, "impression", ms, campaign, prefix=prefix))
        elif roll < 70:
            out.append(interaction(index, customer, "click", ms, campaign, prefix=prefix))
        elif roll < 90:
            out.append(interaction(index, customer, "visit", ms, campaign, prefix=prefix))
        else:
            out.append(interaction(index, customer, "signup", ms, campaign, prefix=prefix))
    return out


def ad_spend(n, campaigns=40, seed=11):
    rng = random.Random(seed)
    out = []
    for index in range(n):
        campaign = f"c-{rng.randrange(campaigns)}"
        event = {"specversion": "1.0", "id": f"s-{index}", "source": "/bench/ads", "type": "triad.ad-spend.reported",
                 "time": iso(index), "subject": campaign, "datacontenttype": "application/json", "schemaversion": 1,
                 "data": {"campaignId": campaign, "amount": {"amountMinor": 1 + rng.randrange(100), "currency": "EUR"}}}
        out.append((campaign, json.dumps(event, separators=(",", ":")).encode()))
    return out


def marketing_reports(n, customers=20_000, campaigns=40, seed=13):
    """n events of what marketing consumes: churn risk detected and cleared for customers (IT's
    insights), campaign performance and ROI reports (IT's and finance's), in event-time order."""
    rng = random.Random(seed)
    out = []
    for index in range(n):
        ms = index * 10
        roll = rng.randrange(100)
        if roll < 70:
            customer = f"cust-{rng.randrange(customers)}"
            if roll < 40:
                kind, data = "triad.churn-risk.detected", {"customerId": customer, "segment": f"s{rng.randrange(4)}",
                                                            "reason": "inactive", "detectedAt": iso(ms)}
            else:
                kind, data = "triad.churn-risk.cleared", {"customerId": customer, "segment": f"s{rng.randrange(4)}",
                                                           "activity": "click", "clearedAt": iso(ms)}
            key, source = customer, "/triad/it"
        else:
            campaign = f"c-{rng.randrange(campaigns)}"
            revenue = {"amountMinor": 1000 * index, "currency": "EUR"}
            if roll < 85:
                kind, source = "triad.campaign-performance.reported", "/triad/it"
                data = {"campaignId": campaign, "impressions": index, "clicks": index // 2, "visits": index // 3,
                        "signups": index // 10, "purchases": index // 10, "revenue": revenue}
            else:
                kind, source = "triad.roi.reported", "/triad/finance"
                data = {"campaignId": campaign, "spend": {"amountMinor": 500 * index + 1, "currency": "EUR"},
                        "revenue": revenue, "conversions": index // 10}
            key = campaign
        event = {"specversion": "1.0", "id": f"m-{index}", "source": source, "type": kind, "time": iso(ms),
                 "subject": key, "datacontenttype": "application/json", "schemaversion": 1, "data": data}
        topic = "finance.roi" if kind == "triad.roi.reported" else "it.insights"
        out.append((topic, key, json.dumps(event, separators=(",", ":")).encode()))
    return out


# MARK: Processes

class Broker:
    def __init__(self, logs):
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.process = subprocess.Popen([os.path.join(ROOT, "scripts", "broker.sh"), str(self.port)],
                                        stdout=open(os.path.join(logs, f"broker-{self.port}.log"), "w"),
                                        stderr=subprocess.STDOUT)
        admin = AdminClient({"bootstrap.servers": self.address})
        wait_for("the broker", lambda: self._up(admin), timeout=60)
        topics = [NewTopic(t, num_partitions=PARTITIONS, replication_factor=1)
                  for t in ("customer.interactions", "ads.spend", "marketing.campaigns", "it.attributions",
                            "it.insights", "finance.budget-decisions", "finance.roi")]
        for future in admin.create_topics(topics).values():
            future.result()

    @staticmethod
    def _up(admin):
        try:
            admin.list_topics(timeout=2)
            return True
        except Exception:
            return False

    def publish(self, topic, messages):
        producer = Producer({"bootstrap.servers": self.address, "linger.ms": 20, "batch.num.messages": 10000,
                             "queue.buffering.max.messages": 1_000_000, "enable.idempotence": True})
        for key, value in messages:
            while True:
                try:
                    producer.produce(topic, value=value, key=key,
                                     headers=[("content-type", b"application/cloudevents+json")])
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
        producer.flush(120)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Service:
    """One service process with its own HTTP port."""

    def __init__(self, executable, broker, group, database, logs, name, extra=None):
        self.port = free_port()
        env = dict(os.environ)
        env.update({"TRIAD_KAFKA_BROKERS": broker.address, "TRIAD_GROUP_ID": group, "TRIAD_DATABASE_URL": database,
                    "TRIAD_HTTP_PORT": str(self.port), "TRIAD_LOG_LEVEL": "warning",
                    "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR": "1000000000000"})
        env.update(extra or {})
        self.process = subprocess.Popen([os.path.join(RELEASE, executable)], env=env,
                                        stdout=open(os.path.join(logs, f"{name}.log"), "w"), stderr=subprocess.STDOUT)

    def metrics(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=5) as reply:
                return reply.read().decode()
        except OSError:
            return ""

    def sum(self, name, text=None):
        total = 0.0
        for line in (text or self.metrics()).splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                total += float(line.rsplit(" ", 1)[1])
        return total

    def consumed(self):
        return int(self.sum("triad_events_consumed_total"))

    def partitions(self):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/ready", timeout=5) as reply:
                return len(json.loads(reply.read()).get("partitions", []))
        except OSError:
            return 0

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()


def measure(services, total, topic_partitions=PARTITIONS, timeout=900):
    """Events/s from the moment every instance holds partitions until all `total` are applied."""
    wait_for("the group to settle",
             lambda: all(s.partitions() > 0 for s in services) and sum(s.partitions() for s in services) >= topic_partitions,
             timeout=120, every=0.05)
    started, base = time.monotonic(), sum(s.consumed() for s in services)
    wait_for(f"{total} events", lambda: sum(s.consumed() for s in services) >= total, timeout=timeout, every=0.05)
    elapsed = time.monotonic() - started
    return (total - base) / elapsed, elapsed


def histogram_quantiles(text, name, quantiles):
    buckets = []
    for line in text.splitlines():
        match = re.match(name + r'_bucket\{.*le="([^"]+)"\} (\S+)', line)
        if match:
            bound = float("inf") if match.group(1) == "+Inf" else float(match.group(1))
            buckets.append((bound, float(match.group(2))))
    buckets.sort()
    if not buckets or buckets[-1][1] == 0:
        return [None for _ in quantiles]
    count = buckets[-1][1]
    return [next(bound for bound, c in buckets if c >= q * count) for q in quantiles]


# MARK: Phases

def run_raw(broker, total):
    started = time.monotonic()
    subprocess.run(["kcat", "-C", "-b", broker.address, "-t", "customer.interactions", "-o", "beginning",
                    "-c", str(total), "-q", "-f", "%o\n"], stdout=subprocess.DEVNULL, check=True)
    return total / (time.monotonic() - started)


def run_peer(broker, total, scratch):
    out = subprocess.run([PYTHON, os.path.join(ROOT, "bench", "python_peer.py"), "--brokers", broker.address,
                          "--group", f"peer-{time.time_ns()}", "--database", os.path.join(scratch, "peer.sqlite"),
                          "--events", str(total)], capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["events"] / result["seconds"]


def run_it_sqlite(broker, total, scratch, logs, name="it-sqlite", latency=False):
    database = os.path.join(scratch, f"{name}.sqlite")
    service = Service("it-service", broker, f"{name}-{time.time_ns()}", f"sqlite:{database}", logs, name)
    try:
        rate, _ = measure([service], total)
        done = time.monotonic()
        drained = outbox_drained(database) - done
        result = {"rate": rate, "rss": service.rss_mib(), "drain": drained,
                  "db_bytes": service.sum("triad_database_bytes")}
        if latency:
            result["latency"] = measure_latency(broker, service, total)
        return result
    finally:
        service.stop()


def outbox_drained(database, report_interval=1.0):
    """When the outbox table was last seen empty with nothing written after: read from the file
    itself (the backlog metric is cached for a second), and confirmed over a report interval, so
    the coalesced reports written after the last event count too."""
    def state():
        with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)) as db:
            rows = db.execute("SELECT COUNT(*) FROM outbox").fetchone()[0]
            written = db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'").fetchone()
            return rows, written[0] if written else 0

    def empty():
        seen = state()
        return seen if seen[0] == 0 else None
    while True:
        empty_at = wait_for("the outbox to drain", empty, timeout=120, every=0.05)
        drained = time.monotonic()
        time.sleep(report_interval + 0.5)
        if state() == empty_at:
            return drained


def measure_latency(broker, service, already):
    """Publishes 20,000 events at 10,000/s stamped with the wall clock, and reads the p50/p99 of
    the service's event-latency histogram over them."""
    before = service.metrics()
    producer = Producer({"bootstrap.servers": broker.address, "linger.ms": 1})
    start = time.monotonic()
    count = 20_000
    for index in range(count):
        now = datetime.now(timezone.utc)
        ms = int((now - START).total_seconds() * 1000)
        key, value = interaction(index, f"lat-{index % 1000}", "click", ms, "c-1", prefix="lat")
        producer.produce("customer.interactions", value=value, key=key,
                         headers=[("content-type", b"application/cloudevents+json")])
        producer.poll(0)
        lag = start + index / 10_000 - time.monotonic()
        if lag > 0:
            time.sleep(lag)
    producer.flush(30)
    wait_for("the latency events", lambda: service.consumed() >= already + count, timeout=120)
    after = service.metrics()

    def delta(text_after, text_before):
        b = {}
        for line in text_before.splitlines():
            if line.startswith("triad_event_latency_seconds_bucket"):
                b[line.rsplit(" ", 1)[0]] = float(line.rsplit(" ", 1)[1])
        lines = []
        for line in text_after.splitlines():
            if line.startswith("triad_event_latency_seconds_bucket"):
                head, value = line.rsplit(" ", 1)
                lines.append(f"{head} {float(value) - b.get(head, 0)}")
        return "\n".join(lines)

    return histogram_quantiles(delta(after, before), "triad_event_latency_seconds", [0.5, 0.99])


def percentiles(latencies):
    ordered = sorted(latencies)
    pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]
    return {"p50": pick(0.5), "p99": pick(0.99), "max": ordered[-1], "count": len(ordered)}


def read_latencies(port, paths, until):
    """Asks `paths` round robin over one keep-alive connection, each request after the last one's
    answer, until `until()` (checked every half second) is true; returns the latencies in ms."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    latencies, statuses = [], {}
    next_check, index = 0.0, 0
    try:
        while True:
            now = time.monotonic()
            if now >= next_check:
                if until():
                    break
                next_check = time.monotonic() + 0.5
            path = paths[index % len(paths)]
            index += 1
            started = time.perf_counter()
            connection.request("GET", path)
            reply = connection.getresponse()
            reply.read()
            latencies.append((time.perf_counter() - started) * 1000)
            statuses[reply.status] = statuses.get(reply.status, 0) + 1
    finally:
        connection.close()
    bad = {status: count for status, count in statuses.items() if status != 200}
    if bad:
        log(f"latency: answers other than 200: {bad}")
    return latencies


def run_read_latency(total, logs, proxy_port):
    """HTTP read latency on PostgreSQL (through the delay proxy) while one instance ingests `total`
    events at full speed (from 5 % of them applied to the last), then with nothing to ingest: IT's
    GET /customers/{id} while it ingests interactions, marketing's GET /briefing while it ingests
    insights and ROI reports."""
    def it_workload(broker):
        messages = interactions(total, prefix="l")
        broker.publish("customer.interactions", messages)
        # Customers of the first events: the first 5 % applied holds most of them.
        return [f"/customers/{customer}" for customer in dict.fromkeys(key for key, _ in messages[:2_000])]

    def marketing_workload(broker):
        messages = marketing_reports(total)
        for topic in ("it.insights", "finance.roi"):
            broker.publish(topic, [(key, value) for t, key, value in messages if t == topic])
        return ["/briefing"]

    return {"it": read_latency_of("it-service", it_workload, total, logs, proxy_port),
            "marketing": read_latency_of("marketing-service", marketing_workload, total, logs, proxy_port)}


def read_latency_of(executable, workload, total, logs, proxy_port):
    broker = Broker(logs)
    name = f"bench_latency_{time.time_ns() % 1_000_000}"
    try:
        paths = workload(broker)
        psql(f"CREATE DATABASE {name} OWNER triad")
        url = f"postgres://triad:triad@127.0.0.1:{proxy_port}/{name}?sslmode=disable"
        service = Service(executable, broker, f"latency-{time.time_ns()}", url, logs, f"{executable}-latency")
        try:
            wait_for(f"{executable} to take its partitions", lambda: service.partitions() > 0, timeout=120, every=0.05)
            wait_for("5 % applied", lambda: service.consumed() >= total // 20, timeout=600, every=0.05)
            started = time.monotonic()
            busy = read_latencies(service.port, paths, lambda: service.consumed() >= total)
            busy_seconds = time.monotonic() - started
            time.sleep(3)  # the relay and the reports settle
            ends = time.monotonic() + max(10, busy_seconds)
            idle = read_latencies(service.port, paths, lambda: time.monotonic() >= ends)
            log(f"{executable}: {total:,} events ingested in {busy_seconds:.1f} s while reading")
            return {"busy": percentiles(busy), "idle": percentiles(idle)}
        finally:
            service.stop()
    finally:
        broker.stop()
        psql(f"DROP DATABASE IF EXISTS {name}")


@contextlib.contextmanager
def delay_proxy(logs):
    """The local PostgreSQL behind bench/delay_proxy.py (1 ms each way); yields the proxy's port."""
    subprocess.run([os.path.join(ROOT, "scripts", "postgres.sh")], check=True, stdout=subprocess.DEVNULL)
    port = free_port()
    proxy = subprocess.Popen([PYTHON, os.path.join(ROOT, "bench", "delay_proxy.py"), str(port), "5432", "1"],
                             stdout=open(os.path.join(logs, f"proxy-{port}.log"), "w"), stderr=subprocess.STDOUT)
    try:
        wait_for("the delay proxy", lambda: port_open(port), timeout=30)
        yield port
    finally:
        proxy.terminate()


def psql(sql):
    subprocess.run(["su", "postgres", "-c", f"psql -qtAc \"{sql}\""], check=True, stdout=subprocess.DEVNULL)


def run_it_postgres(broker, total, instances, logs, proxy_port):
    name = f"bench_it_{instances}_{time.time_ns() % 1_000_000}"
    psql(f"CREATE DATABASE {name} OWNER triad")
    url = f"postgres://triad:triad@127.0.0.1:{proxy_port}/{name}?sslmode=disable"
    group = f"pg-{instances}-{time.time_ns()}"
    services = [Service("it-service", broker, group, url, logs, f"it-pg{instances}-{i}") for i in range(instances)]
    try:
        rate, _ = measure(services, total)
        return rate
    finally:
        for s in services:
            s.stop()
        psql(f"DROP DATABASE IF EXISTS {name}")


def run_finance(broker, total, scratch, logs):
    service = Service("finance-service", broker, f"finance-{time.time_ns()}",
                      f"sqlite:{os.path.join(scratch, 'finance.sqlite')}", logs, "finance")
    try:
        rate, _ = measure([service], total)
        return rate
    finally:
        service.stop()


def run_rss(total, scratch, logs):
    broker = Broker(logs)
    try:
        log(f"rss: publishing {total} interactions")
        broker.publish("customer.interactions", interactions(total, prefix="r"))
        service = Service("it-service", broker, f"rss-{time.time_ns()}", f"sqlite:{os.path.join(scratch, 'rss.sqlite')}",
                          logs, "it-rss")
        try:
            wait_for("100,000 events", lambda: service.consumed() >= 100_000, timeout=600, every=0.02)
            small = service.rss_mib()
            wait_for(f"{total} events", lambda: service.consumed() >= total, timeout=1800, every=0.1)
            return small, service.rss_mib()
        finally:
            service.stop()
    finally:
        broker.stop()


def ensure_release_build(products):
    for product in products:
        log(f"building {product} (release)")
        subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)


def paired_with_baseline(broker, args, scratch, logs):
    """This build's it-service and the baseline's, alternating on the same published data (SQLite, and
    PostgreSQL behind the proxy unless skipped): the ratio of medians says what a change cost."""
    global RELEASE
    ours, baseline = RELEASE, os.path.abspath(args.baseline_dir)
    stores = ["sqlite"] + ([] if "postgres" in args.skip else ["postgres"])
    rates = {(store, build): [] for store in stores for build in ("new", "baseline")}
    try:
        for round_ in range(args.rounds):
            for store in stores:
                for build, folder in (("baseline", baseline), ("new", ours)) if round_ % 2 else \
                        (("new", ours), ("baseline", baseline)):
                    RELEASE = folder
                    if store == "sqlite":
                        rate = run_it_sqlite(broker, args.events, scratch, logs, name=f"it-{build}-{round_}")["rate"]
                    else:
                        with delay_proxy(logs) as proxy_port:
                            rate = run_it_postgres(broker, args.events, 1, logs, proxy_port)
                    rates[(store, build)].append(rate)
                    log(f"paired {store} {build} round {round_ + 1}: {rate:,.0f}/s")
    finally:
        RELEASE = ours
    median = lambda values: sorted(values)[len(values) // 2] if len(values) % 2 else \
        sum(sorted(values)[len(values) // 2 - 1:len(values) // 2 + 1]) / 2
    rows = []
    for store in stores:
        new, old = median(rates[(store, "new")]), median(rates[(store, "baseline")])
        label = "SQLite" if store == "sqlite" else "PostgreSQL + 1 ms proxy, 1 instance"
        detail = lambda build: ", ".join(f"{rate:,.0f}" for rate in rates[(store, build)])
        log(f"paired {store}: new {new:,.0f}/s, baseline {old:,.0f}/s, new ÷ baseline {new / old:.3f}")
        rows.append((f"it-service, {label}, baseline build ({baseline})", old, f"runs {detail('baseline')}/s"))
        rows.append((f"it-service, {label}, this build", new, f"runs {detail('new')}/s; {new / old:.3f}× baseline"))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200_000)
    parser.add_argument("--hot-events", type=int, default=100_000)
    parser.add_argument("--rss-events", type=int, default=1_000_000)
    parser.add_argument("--skip", default="", help="comma-separated phases to skip: postgres, hot, finance, rss, latency")
    parser.add_argument("--only", default="",
                        help="comma-separated phases to run, the others skipped: ingest (raw, peer, sqlite, postgres), "
                             "hot, finance, rss, latency")
    parser.add_argument("--release-dir", help="run the executables in this release build folder instead of building")
    parser.add_argument("--baseline-dir",
                        help="another checkout's release build folder: the ingest phase also runs its it-service, "
                             "alternating with this one on the same data, and reports new ÷ baseline")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline-dir: alternations per store")
    parser.add_argument("--out", help="where the tables go (default docs/benchmark.md; with --only, nowhere)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    only = set(filter(None, args.only.split(",")))
    wanted = lambda phase: phase in only if only else phase not in skip
    out = args.out or (None if only else os.path.join(ROOT, "docs", "benchmark.md"))

    global RELEASE
    if args.release_dir:
        RELEASE = os.path.abspath(args.release_dir)
        log(f"running the executables in {RELEASE}")
    else:
        ensure_release_build(["it-service"] + (["finance-service"] if wanted("finance") else [])
                             + (["marketing-service"] if wanted("latency") else []))
    scratch = tempfile.mkdtemp(prefix="triad-bench-")
    logs = os.path.join(scratch, "logs")
    os.makedirs(logs)
    log(f"scratch and logs in {scratch}")
    rows = []
    notes = []
    latency = None
    raw = peer = None

    if wanted("ingest"):
        broker = Broker(logs)
        try:
            log(f"publishing {args.events} interactions on {PARTITIONS} partitions")
            broker.publish("customer.interactions", interactions(args.events))
            raw = run_raw(broker, args.events)
            log(f"raw: {raw:,.0f}/s")
            peer = run_peer(broker, args.events, scratch)
            log(f"peer: {peer:,.0f}/s")
            sqlite = run_it_sqlite(broker, args.events, scratch, logs, latency=True)
            log(f"it-service sqlite: {sqlite['rate']:,.0f}/s")
            rows.append(("raw librdkafka (kcat)", raw, None))
            rows.append(("Python peer (confluent-kafka + sqlite3)", peer, None))
            p50, p99 = sqlite["latency"]
            rows.append(("it-service, SQLite", sqlite["rate"],
                         f"RSS {sqlite['rss']:.0f} MiB, database {sqlite['db_bytes'] / 1e6:.0f} MB, outbox empty "
                         f"{sqlite['drain']:.2f} s after the last event, event latency p50 ≤ {p50 * 1000:g} ms, "
                         f"p99 ≤ {p99 * 1000:g} ms (histogram bounds, 10,000 events/s paced)"))
            if args.baseline_dir:
                rows += paired_with_baseline(broker, args, scratch, logs)
            if "postgres" not in skip:
                with delay_proxy(logs) as proxy_port:
                    one = None
                    for instances in (1, 2, 3):
                        rate = run_it_postgres(broker, args.events, instances, logs, proxy_port)
                        one = one or rate
                        log(f"it-service postgres x{instances}: {rate:,.0f}/s")
                        rows.append((f"it-service, PostgreSQL + 1 ms proxy, {instances} instance{'s' if instances > 1 else ''}",
                                     rate, f"{rate / one:.2f}× one instance"))
        finally:
            broker.stop()

    if wanted("hot"):
        rates = {}
        for label, hot in (("spread", 0), ("hot", 10)):
            hot_broker = Broker(logs)
            try:
                hot_broker.publish("customer.interactions", interactions(args.hot_events, hot=hot, prefix=label))
                rates[label] = run_it_sqlite(hot_broker, args.hot_events, scratch, logs, name=f"it-{label}")["rate"]
            finally:
                hot_broker.stop()
        rows.append(("it-service, SQLite, interactions spread over 20,000 customers", rates["spread"], None))
        rows.append(("it-service, SQLite, half of them from 10 hot customers", rates["hot"],
                     f"hot costs {rates['spread'] / rates['hot']:.2f}× spread per event"))
    if wanted("finance"):
        finance_broker = Broker(logs)
        try:
            finance_broker.publish("ads.spend", ad_spend(args.events))
            finance = run_finance(finance_broker, args.events, scratch, logs)
            rows.append((f"finance-service, SQLite, {args.events:,} ad-spend events", finance, None))
        finally:
            finance_broker.stop()
    if wanted("rss"):
        small, large = run_rss(args.rss_events, scratch, logs)
        notes.append(f"it-service RSS after 100,000 events: {small:.0f} MiB; after {args.rss_events:,}: {large:.0f} MiB "
                     f"({large / small:.2f}×).")
    if wanted("latency"):
        with delay_proxy(logs) as proxy_port:
            latency = run_read_latency(args.events, logs, proxy_port)
        for service, figures in latency.items():
            log(f"{service} latency while ingesting: {figures['busy']}; with no ingest: {figures['idle']}")

    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    text = [f"# Ingest benchmark", "",
            f"`scripts/bench.sh` on {stamp}: {args.events:,} structured `triad.customer.interaction` events (40 "
            f"campaigns, 20,000 customers, 10 % purchases) on {PARTITIONS} partitions of the local broker, release "
            f"build, {os.cpu_count()} cores. Every figure comes from this one run; ratios are against the Python peer "
            "and raw librdkafka measured in it. What earlier rounds of work changed and measured: "
            "[benchmark-history.md](benchmark-history.md) (this script leaves it alone).", ""]
    if rows:
        text += ["| consumer | events/s | × Python peer | × raw | notes |", "|---|---:|---:|---:|---|"]
        for name, rate, note in rows:
            ratios = f"{rate / peer:.2f} | {rate / raw:.2f}" if peer and raw else "| "
            text.append(f"| {name} | {rate:,.0f} | {ratios} | {note or ''} |")
        text += [""] + notes + [""]
    if latency:
        figures = lambda f: f"{f['p50']:.1f} / {f['p99']:.1f} / {f['max']:.1f} ms ({f['count']:,} requests)"
        text += ["HTTP read latency (one request after another over a keep-alive connection, p50 / p99 / max):", "",
                 "| read | while one instance ingests at full speed | with nothing to ingest |", "|---|---|---|",
                 f"| IT `GET /customers/{{id}}`, PostgreSQL + 1 ms proxy | {figures(latency['it']['busy'])} | "
                 f"{figures(latency['it']['idle'])} |",
                 f"| marketing `GET /briefing`, PostgreSQL + 1 ms proxy | {figures(latency['marketing']['busy'])} | "
                 f"{figures(latency['marketing']['idle'])} |", ""]
    text = "\n".join(text)
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as file:
            file.write(text)
    print(text)


if __name__ == "__main__":
    main()
