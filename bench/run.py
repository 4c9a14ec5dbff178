#!/usr/bin/env python3
"""Triad's benchmark: one command, one run, one broker per workload, every figure a ratio against
baselines measured in the same run.

Phases (`--only` / `--skip` take these names):
  ingest    one published workload (--events, default 1,000,000 interactions) read by:
              raw        kcat consuming it (output discarded): what librdkafka alone does
              peer       bench/python_peer.py: confluent-kafka + sqlite3, as a Python team would write IT's ingest
              sqlite     it-service on SQLite (release build)
              postgres   it-service on PostgreSQL, 1, 2 and 3 instances in one group, their database connections
                         through bench/delay_proxy.py adding 1 ms each way
              capped     the same with each instance in its own cgroup capped at --cap of a core
                         (bench/cgroups.py; needs root): scale-out as contention, not as this machine's cores
  hot       it-service on a workload where ten customers make half of the interactions, against the
            same-sized workload spread over every customer
  finance   finance-service ingesting ad spend: one instance on SQLite, and 1 and 2 instances on one
            PostgreSQL database behind the proxy, uncapped and capped
  curve     cost with size: one it-service on SQLite ingesting --curve-events (default 5,000,000)
            published before launch; the rate, database size and RSS at each successive million
            (--curve-step)
  e2e       end-to-end latency: a purchase produced → its triad.conversion.attributed read from
            it.attributions by a separate consumer (bench/latency.py), paced at 1,000, 5,000 and
            20,000 events/s and as a backlog at full speed; it-service on SQLite and on PostgreSQL
            behind the proxy; exact p50 / p99 / max
  latency   HTTP reads, one request after another, while one instance on PostgreSQL (behind the
            proxy) ingests --events at full speed and again with nothing to ingest: IT's
            GET /customers/{id} (only customers it has already applied) and marketing's GET /briefing
(`--skip postgres` leaves out every PostgreSQL run of ingest, finance and e2e; `--skip capped` the
capped ones.)

Every service rate is given twice: from the launch of the processes (start-up, group join and
rebalancing included: what an instance costs) and from the first applied batch (the consumed
counter first above zero). Ratios to the Python peer compare like with like: the peer's rate from
its launch, and from its first message.

Usage: scripts/bench.sh [--events 1000000] [--skip postgres,capped,curve] [--out docs/benchmark.md]
       scripts/bench.sh --only e2e [--release-dir DIR]   (prints the figures; writes --out only if given)
--release-dir runs the executables of another checkout's release build instead of building this one;
--baseline-dir runs another build's it-service alternately with this one on the ingest workload
(paired runs: new ÷ baseline).
"""
import argparse
import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timezone

from confluent_kafka import Producer
from confluent_kafka.admin import AdminClient, NewTopic

import latency as e2e
from cgroups import CpuCaps
from workloads import ad_spend, interaction_stream, interactions, marketing_reports

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PYTHON = sys.executable
RELEASE = os.path.join(ROOT, ".build", "release")
PARTITIONS = 6
MILLION = 1_000_000
E2E_TARGETS_MS = {1_000: 100, 5_000: 250, 20_000: 500}  # p99, produce → conversion on it.attributions
READ_TARGET_MS = 50  # HTTP read p99 while ingesting at full speed


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


def verdict(passed):
    return "PASS" if passed else "MISS"


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
        """Publishes (key, value) pairs, any iterable of them (a generator is never held whole)."""
        producer = Producer({"bootstrap.servers": self.address, "linger.ms": 20, "batch.num.messages": 10000,
                             "queue.buffering.max.messages": 1_000_000, "enable.idempotence": True})
        for key, value in messages:
            e2e.produce(producer, topic, key, value, backoff=0.05)
        producer.flush(120)

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


class Service:
    """One service process with its own HTTP port; with `caps`, inside a new capped cgroup."""

    def __init__(self, executable, broker, group, database, logs, name, extra=None, caps=None):
        self.port = free_port()
        env = dict(os.environ)
        env.update({"TRIAD_KAFKA_BROKERS": broker.address, "TRIAD_GROUP_ID": group, "TRIAD_DATABASE_URL": database,
                    "TRIAD_HTTP_PORT": str(self.port), "TRIAD_LOG_LEVEL": "warning",
                    "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR": "1000000000000"})
        env.update(extra or {})
        command = [os.path.join(RELEASE, executable)]
        if caps:
            command = caps.wrap(command)
        self.launched = time.monotonic()
        self.process = subprocess.Popen(command, env=env, stdout=open(os.path.join(logs, f"{name}.log"), "w"),
                                        stderr=subprocess.STDOUT)

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


def measure(services, total, timeout=1800):
    """Events/s of `services` applying `total` events, on two clocks: from the launch of the first
    process ("launch"), and from the first applied batch ("first": the consumed counter first seen
    above zero, the events counted from there). "first" is None when the first sighting is the end."""
    first = None

    def done():
        nonlocal first
        consumed = sum(s.consumed() for s in services)
        if first is None and consumed > 0:
            first = (time.monotonic(), consumed)
        return consumed >= total

    wait_for(f"{total:,} events", done, timeout=timeout, every=0.05)
    ended = time.monotonic()
    launched = min(s.launched for s in services)
    from_first = (total - first[1]) / (ended - first[0]) if first[1] < total else None
    return {"launch": total / (ended - launched), "first": from_first}


# MARK: Ingest

def run_raw(broker, total):
    started = time.monotonic()
    subprocess.run(["kcat", "-C", "-b", broker.address, "-t", "customer.interactions", "-o", "beginning",
                    "-c", str(total), "-q", "-f", "%o\n"], stdout=subprocess.DEVNULL, check=True)
    return {"launch": total / (time.monotonic() - started), "first": None}


def run_peer(broker, total, scratch):
    """The Python peer, from its launch (the process's whole life) and from its first message."""
    started = time.monotonic()
    out = subprocess.run([PYTHON, os.path.join(ROOT, "bench", "python_peer.py"), "--brokers", broker.address,
                          "--group", f"peer-{time.time_ns()}", "--database", os.path.join(scratch, "peer.sqlite"),
                          "--events", str(total)], capture_output=True, text=True, check=True)
    elapsed = time.monotonic() - started
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return {"launch": total / elapsed, "first": result["events"] / result["seconds"]}


def run_it_sqlite(broker, total, scratch, logs, name="it-sqlite"):
    database = os.path.join(scratch, f"{name}.sqlite")
    service = Service("it-service", broker, f"{name}-{time.time_ns()}", f"sqlite:{database}", logs, name)
    try:
        rates = measure([service], total)
        done = time.monotonic()
        drained = outbox_drained(database) - done
        return {"rates": rates, "rss": service.rss_mib(), "drain": drained,
                "db_bytes": service.sum("triad_database_bytes")}
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


@contextlib.contextmanager
def postgres_database(proxy_port, label):
    """A new database, reached through the proxy; yields its URL and drops it afterwards."""
    name = f"bench_{label}_{time.time_ns() % 1_000_000}"
    psql(f"CREATE DATABASE {name} OWNER triad")
    try:
        yield f"postgres://triad:triad@127.0.0.1:{proxy_port}/{name}?sslmode=disable"
    finally:
        psql(f"DROP DATABASE IF EXISTS {name}")


def run_postgres(executable, broker, total, instances, logs, proxy_port, cap=None):
    """`instances` of `executable` in one group sharing one new database behind the proxy, each in
    its own cgroup capped at `cap` cores when given; returns their rates (and, capped, the share of
    scheduling periods in which an instance was throttled)."""
    label = f"{executable.split('-')[0]}{instances}{'c' if cap else ''}"
    caps = CpuCaps(cap) if cap else None
    with postgres_database(proxy_port, label) as url:
        group = f"{label}-{time.time_ns()}"
        services = [Service(executable, broker, group, url, logs, f"{label}-{i}", caps=caps)
                    for i in range(instances)]
        try:
            rates = measure(services, total)
            if caps:
                rates["throttled"] = caps.throttled()
            return rates
        finally:
            for s in services:
                s.stop()
            if caps:
                caps.remove()


def scale_out(executable, label, broker, total, counts, logs, proxy_port, cap):
    """Rows for 1..n instances of `executable` on PostgreSQL behind the proxy, uncapped and (when
    `cap`) capped; each row's note gives the ratio to one instance of its kind on both clocks."""
    rows = []
    for capped in (False, True) if cap else (False,):
        one = None
        for instances in counts:
            rates = run_postgres(executable, broker, total, instances, logs, proxy_port, cap if capped else None)
            one = one or rates
            kind = f", capped at {cap:g} core each" if capped else ""
            name = f"{label}, PostgreSQL + 1 ms proxy, {instances} instance{'s' if instances > 1 else ''}{kind}"
            note = f"{rates['launch'] / one['launch']:.2f}× one from launch"
            if rates["first"] and one["first"]:
                note += f", {rates['first'] / one['first']:.2f}× from the first batch"
            if capped:
                note += f"; throttled in {rates['throttled']:.0%} of periods"
            log(f"{name}: {rates['launch']:,.0f}/s from launch ({note})")
            rows.append((name, rates, note))
    return rows


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
                        rate = run_it_sqlite(broker, args.events, scratch, logs, name=f"it-{build}-{round_}")["rates"]
                    else:
                        with delay_proxy(logs) as proxy_port:
                            rate = run_postgres("it-service", broker, args.events, 1, logs, proxy_port)
                    rates[(store, build)].append(rate)
                    log(f"paired {store} {build} round {round_ + 1}: {rate['launch']:,.0f}/s from launch")
    finally:
        RELEASE = ours

    def median(values):
        ordered, half = sorted(values), len(values) // 2
        return ordered[half] if len(values) % 2 else (ordered[half - 1] + ordered[half]) / 2

    rows = []
    for store in stores:
        label = "SQLite" if store == "sqlite" else "PostgreSQL + 1 ms proxy, 1 instance"
        medians = {build: {clock: median([r[clock] for r in rates[(store, build)]]) for clock in ("launch", "first")}
                   for build in ("new", "baseline")}
        detail = lambda build: ", ".join(f"{r['launch']:,.0f}" for r in rates[(store, build)])
        new, old = medians["new"], medians["baseline"]
        ratio = f"{new['launch'] / old['launch']:.3f}× baseline from launch, {new['first'] / old['first']:.3f}× " \
                "from the first batch"
        log(f"paired {store}: {ratio}")
        rows.append((f"it-service, {label}, baseline build ({baseline})", old,
                     f"medians of runs {detail('baseline')}/s from launch"))
        rows.append((f"it-service, {label}, this build", new,
                     f"medians of runs {detail('new')}/s from launch; {ratio}"))
    return rows


# MARK: Cost with size

MEMORY_FLOOR_MIB = 1024


def memory_short():
    """Whether the machine is down to its last MEMORY_FLOOR_MIB of available memory (the curve
    stops there rather than let the kernel kill a process of someone else's)."""
    with open("/proc/meminfo") as file:
        available = next(int(line.split()[1]) for line in file if line.startswith("MemAvailable:"))
    return available < MEMORY_FLOOR_MIB * 1024


def run_curve(total, step, scratch, logs):
    """One it-service on SQLite ingesting `total` interactions published before its launch: for each
    successive `step` (a million by default), the events/s, the database's size (file and write-ahead
    log) and the RSS.
    The first stretch is timed from the first applied batch, every later one from the end of the one
    before (the polls see a count at or past each step: each rate is the events counted between two
    polls over the time between them)."""
    broker = Broker(logs)
    try:
        log(f"curve: publishing {total:,} interactions")
        started = time.monotonic()
        broker.publish("customer.interactions", ((k, v) for k, v, _ in interaction_stream(total, prefix="r")))
        log(f"curve: published in {time.monotonic() - started:.0f} s")
        database = os.path.join(scratch, "curve.sqlite")
        service = Service("it-service", broker, f"curve-{time.time_ns()}", f"sqlite:{database}", logs, "it-curve")
        try:
            marks, stopped = [], None
            last = wait_for("the first batch", lambda: (lambda c: (time.monotonic(), c) if c else None)(
                service.consumed()), timeout=600, every=0.02)
            for stretch in range(1, -(-total // step) + 1):
                goal = min(total, stretch * step)
                consumed = wait_for(f"{goal:,} events", lambda: (lambda c: c if c >= goal or memory_short() else None)(
                    service.consumed()), timeout=3600, every=0.05)
                if consumed < goal:
                    stopped = f"stopped at {consumed:,} events: the machine had less than {MEMORY_FLOOR_MIB} MiB free"
                    log(f"curve: {stopped}")
                    break
                now = time.monotonic()
                size = sum(os.path.getsize(path) for path in (database, database + "-wal") if os.path.exists(path))
                marks.append({"events": consumed, "rate": (consumed - last[1]) / (now - last[0]),
                              "db_mb": size / 1e6, "rss": service.rss_mib()})
                log(f"curve: {consumed:,} events, {marks[-1]['rate']:,.0f}/s over the last stretch, "
                    f"database {marks[-1]['db_mb']:.0f} MB, RSS {marks[-1]['rss']:.0f} MiB")
                last = (now, consumed)
            return marks, stopped
        finally:
            service.stop()
    finally:
        broker.stop()


# MARK: End-to-end latency

def run_e2e_floor(args, logs):
    """The measuring path alone at each paced rate: stand-in conversions produced straight onto
    it.attributions (no service) and read by the same listener, 10 s each on a broker of its own."""
    broker = Broker(logs)
    try:
        listener = e2e.AttributionListener(broker.address)
        try:
            producer = e2e.new_producer(broker.address)
            results = []
            for rate in E2E_TARGETS_MS:
                results.append(e2e.measure_floor(listener, producer, rate, 10, "floor"))
                figures = results[-1]["latency"] or {}
                log(f"e2e floor {rate}: p50 {figures.get('p50', 0):.0f} p99 {figures.get('p99', 0):.0f} ms")
            return results
        finally:
            listener.close()
    finally:
        broker.stop()


def run_e2e(store, args, scratch, logs, proxy_port=None):
    """it-service on `store` fed a warm-up (2,000 events at 1,000/s, not counted), then each paced
    rate for --e2e-seconds, then a backlog of --e2e-backlog events sent as fast as the producer
    goes; the conversions are read by bench/latency.py's listener."""
    plan = [("warm-up", 1_000, 2_000)] + [(rate, rate, rate * args.e2e_seconds) for rate in E2E_TARGETS_MS] \
        + [("backlog", None, args.e2e_backlog)]
    stream = list(interaction_stream(sum(count for _, _, count in plan), prefix=f"e2e-{store}"))
    broker = Broker(logs)
    try:
        with contextlib.ExitStack() as stack:
            if store == "sqlite":
                database = f"sqlite:{os.path.join(scratch, 'e2e.sqlite')}"
            else:
                database = stack.enter_context(postgres_database(proxy_port, "e2e"))
            service = Service("it-service", broker, f"e2e-{store}-{time.time_ns()}", database, logs, f"it-e2e-{store}")
            stack.callback(service.stop)
            wait_for("it-service to take its partitions", lambda: service.partitions() > 0, timeout=120, every=0.05)
            listener = e2e.AttributionListener(broker.address)
            stack.callback(listener.close)
            producer = e2e.new_producer(broker.address)
            results, offset = [], 0
            for label, rate, count in plan:
                result = e2e.measure(listener, producer, stream[offset:offset + count], rate)
                offset += count
                figures = result["latency"] or {}
                log(f"e2e {store} {label}: sent {result['events']:,} events at {result['sending_rate']:,.0f}/s, "
                    f"{result['measured']:,} of {result['sent']:,} conversions, p50 {figures.get('p50', 0):.0f} "
                    f"p99 {figures.get('p99', 0):.0f} max {figures.get('max', 0):.0f} ms")
                if label != "warm-up":
                    results.append(result)
            return results
    finally:
        broker.stop()


# MARK: HTTP reads

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


def answered(port, candidates, keep=200):
    """The first `keep` of `candidates` that the service answers with 200 (asked once each, untimed)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    found = []
    try:
        for path in candidates:
            connection.request("GET", path)
            reply = connection.getresponse()
            reply.read()
            if reply.status == 200:
                found.append(path)
                if len(found) == keep:
                    break
    finally:
        connection.close()
    if not found:
        raise RuntimeError("no read answered 200")
    return found


def run_read_latency(total, logs, proxy_port):
    """HTTP read latency on PostgreSQL (through the delay proxy) while one instance ingests `total`
    events at full speed (from 5 % of them applied to the last), then with nothing to ingest: IT's
    GET /customers/{id} while it ingests interactions, marketing's GET /briefing while it ingests
    insights and ROI reports."""
    def it_workload(broker):
        messages = interactions(total, prefix="l")
        broker.publish("customer.interactions", messages)
        # Customers of the first events; only those IT answers 200 for are asked (see `answered`).
        return [f"/customers/{customer}" for customer in dict.fromkeys(key for key, _ in messages[:5_000])]

    def marketing_workload(broker):
        messages = marketing_reports(total)
        for topic in ("it.insights", "finance.roi"):
            broker.publish(topic, [(key, value) for t, key, value in messages if t == topic])
        return ["/briefing"]

    return {"it": read_latency_of("it-service", it_workload, total, logs, proxy_port),
            "marketing": read_latency_of("marketing-service", marketing_workload, total, logs, proxy_port)}


def read_latency_of(executable, workload, total, logs, proxy_port):
    broker = Broker(logs)
    try:
        candidates = workload(broker)
        with postgres_database(proxy_port, "latency") as url:
            service = Service(executable, broker, f"latency-{time.time_ns()}", url, logs, f"{executable}-latency")
            try:
                wait_for(f"{executable} to take its partitions", lambda: service.partitions() > 0, timeout=120,
                         every=0.05)
                wait_for("5 % applied", lambda: service.consumed() >= total // 20, timeout=600, every=0.05)
                paths = answered(service.port, candidates)
                started = time.monotonic()
                busy = read_latencies(service.port, paths, lambda: service.consumed() >= total)
                busy_seconds = time.monotonic() - started
                time.sleep(3)  # the relay and the reports settle
                ends = time.monotonic() + max(10, busy_seconds)
                idle = read_latencies(service.port, paths, lambda: time.monotonic() >= ends)
                log(f"{executable}: {total:,} events ingested in {busy_seconds:.1f} s while reading "
                    f"{len(paths)} paths")
                return {"busy": e2e.exact_percentiles(busy), "idle": e2e.exact_percentiles(idle), "paths": len(paths)}
            finally:
                service.stop()
    finally:
        broker.stop()


# MARK: Report

def machine():
    """Cores, memory, kernel and CPU model of this machine, in words."""
    memory = model = ""
    with open("/proc/meminfo") as file:
        kib = next(int(line.split()[1]) for line in file if line.startswith("MemTotal:"))
        memory = f"{kib / 1024 / 1024:.0f} GiB"
    with contextlib.suppress(OSError, StopIteration):
        with open("/proc/cpuinfo") as file:
            model = next(line.split(":", 1)[1].strip() for line in file if line.startswith("model name"))
    return f"{os.cpu_count()} cores ({model or 'unknown model'}), {memory} of memory, Linux {os.uname().release}"


def commit_of(folder, paths=()):
    """The checkout's commit, and whether `paths` (default: all) differ from it."""
    try:
        head = subprocess.run(["git", "-C", folder, "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", folder, "status", "--porcelain", "--untracked-files=no", "--", *paths],
                               capture_output=True, text=True).stdout.strip()
        return head + (" with uncommitted changes" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def broker_version():
    try:
        return subprocess.run([os.environ.get("TRIAD_TANSU", "tansu"), "--version"], capture_output=True, text=True,
                              timeout=10).stdout.strip()
    except OSError:
        return "Tansu"


def rate_table(rows, peer, raw):
    """The ingest table: both clocks, ratios to the peer on the same clock and to kcat from launch."""
    text = ["| consumer | events/s from launch | × Python peer | × kcat | events/s from the first batch "
            "| × Python peer | notes |", "|---|---:|---:|---:|---:|---:|---|"]
    ratio = lambda value, base: f"{value / base:.2f}" if value and base else ""
    for name, rates, note in rows:
        first = rates.get("first")
        text.append(f"| {name} | {rates['launch']:,.0f} | {ratio(rates['launch'], peer and peer['launch'])} | "
                    f"{ratio(rates['launch'], raw and raw['launch'])} | {f'{first:,.0f}' if first else '—'} | "
                    f"{ratio(first, peer and peer['first'])} | {note or ''} |")
    return text


def e2e_table(results):
    text = ["| store | load | events sent (achieved rate) | purchases naming a campaign | conversions measured "
            "| p50 ms | p99 ms | max ms | p99 target | |", "|---|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for store, runs in results.items():
        for run in runs:
            figures = run["latency"] or {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
            if run.get("floor"):
                load, target, mark = f"{run['rate']:,}/s paced", "", ""
            elif run["rate"]:
                load, target = f"{run['rate']:,}/s paced", E2E_TARGETS_MS[run["rate"]]
                mark = verdict(run["latency"] is not None and figures["p99"] <= target
                               and run["measured"] == run["sent"])
                target = f"≤ {target}"
            else:
                load = f"backlog at full speed ({run.get('through_rate', 0):,.0f} events/s produce → last conversion)"
                target, mark = "", ""
            text.append(f"| {store} | {load} | {run['events']:,} ({run['sending_rate']:,.0f}/s) | {run['sent']:,} | "
                        f"{run['measured']:,} | {figures['p50']:.1f} | {figures['p99']:.1f} | {figures['max']:.1f} | "
                        f"{target} | {mark} |")
    return text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=MILLION)
    parser.add_argument("--hot-events", type=int, default=100_000)
    parser.add_argument("--curve-events", type=int, default=5 * MILLION)
    parser.add_argument("--curve-step", type=int, default=MILLION, help="the curve's stretch, in events")
    parser.add_argument("--cap", type=float, default=0.3, help="the CPU cap of each capped instance, in cores")
    parser.add_argument("--e2e-seconds", type=int, default=25, help="how long each paced rate of e2e runs")
    parser.add_argument("--e2e-backlog", type=int, default=200_000, help="events of e2e's full-speed backlog")
    parser.add_argument("--skip", default="",
                        help="comma-separated phases to skip: ingest, postgres, capped, hot, finance, curve, e2e, "
                             "latency")
    parser.add_argument("--only", default="",
                        help="comma-separated phases to run, the others skipped: ingest, hot, finance, curve, e2e, "
                             "latency (postgres and capped are parts of ingest, finance and e2e)")
    parser.add_argument("--release-dir", help="run the executables in this release build folder instead of building")
    parser.add_argument("--baseline-dir",
                        help="another checkout's release build folder: the ingest phase also runs its it-service, "
                             "alternating with this one on the same data, and reports new ÷ baseline")
    parser.add_argument("--rounds", type=int, default=2, help="with --baseline-dir: alternations per store")
    parser.add_argument("--out", help="where the report goes (default docs/benchmark.md; with --only, nowhere)")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    only = set(filter(None, args.only.split(",")))
    args.skip = skip
    wanted = lambda phase: phase in only if only else phase not in skip
    out = args.out or (None if only else os.path.join(ROOT, "docs", "benchmark.md"))
    postgres = "postgres" not in skip
    cap_problem = CpuCaps.unavailable() if "capped" not in skip else "skipped (--skip capped)"
    cap = None if cap_problem else args.cap

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
    began = datetime.now(timezone.utc)
    rows, sections, targets = [], [], []
    raw = peer = None

    if wanted("ingest"):
        broker = Broker(logs)
        try:
            log(f"publishing {args.events:,} interactions on {PARTITIONS} partitions")
            broker.publish("customer.interactions", interactions(args.events))
            raw = run_raw(broker, args.events)
            log(f"raw: {raw['launch']:,.0f}/s")
            peer = run_peer(broker, args.events, scratch)
            log(f"peer: {peer['launch']:,.0f}/s from launch, {peer['first']:,.0f}/s from its first message")
            sqlite = run_it_sqlite(broker, args.events, scratch, logs)
            log(f"it-service sqlite: {sqlite['rates']['launch']:,.0f}/s from launch, "
                f"{sqlite['rates']['first'] or 0:,.0f}/s from the first batch")
            rows.append(("raw librdkafka (kcat; its whole run)", raw, None))
            rows.append(("Python peer (confluent-kafka + sqlite3; first batch = its first message)", peer, None))
            rows.append(("it-service, SQLite", sqlite["rates"],
                         f"RSS {sqlite['rss']:.0f} MiB, database {sqlite['db_bytes'] / 1e6:.0f} MB, outbox empty "
                         f"{sqlite['drain']:.2f} s after the last event"))
            targets.append(("SQLite ingest ≥ 2.5× the Python peer (from launch)",
                            f"{sqlite['rates']['launch'] / peer['launch']:.2f}×",
                            sqlite["rates"]["launch"] >= 2.5 * peer["launch"]))
            if args.baseline_dir:
                rows += paired_with_baseline(broker, args, scratch, logs)
            if postgres:
                with delay_proxy(logs) as proxy_port:
                    scaled = scale_out("it-service", "it-service", broker, args.events, (1, 2, 3), logs, proxy_port,
                                       cap)
                rows += scaled
                one = scaled[0][1]
                targets.append(("PostgreSQL one instance ≥ 1.5× the Python peer (from launch)",
                                f"{one['launch'] / peer['launch']:.2f}×", one["launch"] >= 1.5 * peer["launch"]))
                if cap:
                    capped = [rates for name, rates, _ in scaled if "capped" in name]
                    for instances, goal in ((2, 1.8), (3, 2.6)):
                        ratio = capped[instances - 1]["launch"] / capped[0]["launch"]
                        targets.append((f"PostgreSQL capped at {cap:g} core: {instances} instances ≥ {goal}× one "
                                        "(from launch)", f"{ratio:.2f}×", ratio >= goal))
        finally:
            broker.stop()

    if wanted("hot"):
        rates = {}
        for label, hot in (("spread", 0), ("hot", 10)):
            hot_broker = Broker(logs)
            try:
                hot_broker.publish("customer.interactions", interactions(args.hot_events, hot=hot, prefix=label))
                rates[label] = run_it_sqlite(hot_broker, args.hot_events, scratch, logs, name=f"it-{label}")["rates"]
            finally:
                hot_broker.stop()
        rows.append((f"it-service, SQLite, {args.hot_events:,} interactions spread over 20,000 customers",
                     rates["spread"], None))
        rows.append((f"it-service, SQLite, {args.hot_events:,} interactions, half of them from 10 hot customers",
                     rates["hot"], f"hot costs {rates['spread']['launch'] / rates['hot']['launch']:.2f}× spread "
                                   "per event (from launch)"))

    if wanted("finance"):
        finance_broker = Broker(logs)
        try:
            finance_broker.publish("ads.spend", ad_spend(args.events))
            service = Service("finance-service", finance_broker, f"finance-{time.time_ns()}",
                              f"sqlite:{os.path.join(scratch, 'finance.sqlite')}", logs, "finance")
            try:
                finance = measure([service], args.events)
            finally:
                service.stop()
            rows.append((f"finance-service, SQLite, {args.events:,} ad-spend events", finance, None))
            if postgres:
                with delay_proxy(logs) as proxy_port:
                    scaled = scale_out("finance-service", f"finance-service, {args.events:,} ad-spend events",
                                       finance_broker, args.events, (1, 2), logs, proxy_port, cap)
                rows += scaled
                if cap:
                    capped = [rates for name, rates, _ in scaled if "capped" in name]
                    ratio = capped[1]["launch"] / capped[0]["launch"]
                    targets.append((f"finance on PostgreSQL capped at {cap:g} core: 2 instances ≥ 1.8× one "
                                    "(from launch)", f"{ratio:.2f}×", ratio >= 1.8))
        finally:
            finance_broker.stop()

    if rows:
        text = ["## Ingest", "",
                f"{args.events:,} structured `triad.customer.interaction` events (40 campaigns, 20,000 customers, "
                f"10 % purchases) on {PARTITIONS} partitions, published before each consumer starts; every consumer "
                "reads them from the beginning in a group of its own. Finance reads as many `triad.ad-spend.reported` "
                "events. Ratios to the Python peer are on the same clock (its launch; its first message).", ""]
        text += rate_table(rows, peer, raw) + [""]
        if postgres and (wanted("ingest") or wanted("finance")):
            text.append(f"CPU cap: {CpuCaps(args.cap).describe()}; the cgroups are removed after each run. The broker, "
                        "PostgreSQL and the proxy run uncapped." if cap else
                        f"CPU cap: not applied ({cap_problem}), so no capped figures.")
            text.append("")
        sections.append(text)

    if wanted("curve"):
        marks, stopped = run_curve(args.curve_events, args.curve_step, scratch, logs)
        text = ["## Cost with size", "",
                f"One it-service on SQLite ingesting {args.curve_events:,} interactions (the same workload, published "
                "before its launch). Each row: the events/s over that stretch (the first from the first applied "
                "batch), the database file and write-ahead log, the resident memory at its end.", "",
                "| events applied | events/s over the stretch | database MB | RSS MiB |", "|---:|---:|---:|---:|"]
        text += [f"| {m['events']:,} | {m['rate']:,.0f} | {m['db_mb']:.0f} | {m['rss']:.0f} |" for m in marks]
        if stopped:
            text += ["", f"The curve {stopped}."]
        if len(marks) > 1:
            rate_ratio, rss_ratio = marks[-1]["rate"] / marks[0]["rate"], marks[-1]["rss"] / marks[0]["rss"]
            text += ["", f"Last stretch ÷ first: {rate_ratio:.2f}× the rate; RSS at the end ÷ after the first "
                         f"stretch: {rss_ratio:.2f}×."]
            if len(marks) >= 5 and args.curve_step == MILLION:
                fifth, first = marks[4], marks[0]
                targets.append(("5th million ≥ 0.8× the 1st (events/s)", f"{fifth['rate'] / first['rate']:.2f}×",
                                fifth["rate"] >= 0.8 * first["rate"]))
                targets.append(("RSS after 5,000,000 ≤ 1.2× after 1,000,000", f"{fifth['rss'] / first['rss']:.2f}×",
                                fifth["rss"] <= 1.2 * first["rss"]))
        sections.append(text + [""])

    if wanted("e2e"):
        results = {"measuring path alone (no service)": run_e2e_floor(args, logs),
                   "SQLite": run_e2e("sqlite", args, scratch, logs)}
        if postgres:
            with delay_proxy(logs) as proxy_port:
                results["PostgreSQL + 1 ms proxy"] = run_e2e("postgres", args, scratch, logs, proxy_port)
        for store, runs in results.items():
            for run in runs:
                if run["rate"] and not run.get("floor"):
                    p99 = run["latency"]["p99"] if run["latency"] else float("inf")
                    goal = E2E_TARGETS_MS[run["rate"]]
                    targets.append((f"end to end p99 ≤ {goal} ms at {run['rate']:,}/s, {store}", f"{p99:.1f} ms",
                                    p99 <= goal and run["measured"] == run["sent"]))
        sections.append(["## End-to-end latency", "",
                         "A purchase produced on `customer.interactions` → its `triad.conversion.attributed` on "
                         "`it.attributions`, through it-service's batch, commit, outbox relay and the broker. The "
                         "clock: the producer's wall clock just before each produce call of a purchase that names a "
                         "campaign (IT attributes every one of those), keyed by its orderId; a separate consumer (its "
                         "own process, confluent-kafka, every partition assigned at its end offset before the first "
                         "event, fetch.wait.max.ms 5) takes the wall clock when the conversion arrives. Percentiles "
                         "are exact (nearest rank) over every conversion measured. Pacing: a token bucket (the events "
                         "due go out, then a 1 ms sleep; linger.ms 2). After the instance holds its partitions, 2,000 "
                         f"events at 1,000/s warm it up uncounted; each paced rate then runs {args.e2e_seconds} s, and "
                         f"a backlog of {args.e2e_backlog:,} events is sent as fast as the producer goes (its latency "
                         "is mostly queueing: its rate is the figure). The first rows time the measuring path alone: "
                         "stand-ins for IT's output produced straight onto `it.attributions` (no service; one in 30 a "
                         "conversion), 10 s a rate: what the broker and the Python clients add to every figure below "
                         "them.", ""] + e2e_table(results) + [""])

    if wanted("latency"):
        with delay_proxy(logs) as proxy_port:
            reads = run_read_latency(args.events, logs, proxy_port)
        figures = lambda f: f"{f['p50']:.1f} / {f['p99']:.1f} / {f['max']:.1f} ms ({f['count']:,} requests)" \
            if f else "no reads (the ingest ended before the first)"
        names = {"it": "IT `GET /customers/{id}`", "marketing": "marketing `GET /briefing`"}
        text = ["## HTTP reads under ingest", "",
                f"One request after another over a keep-alive connection while one instance on PostgreSQL (+ 1 ms "
                f"proxy) ingests {args.events:,} events at full speed (from 5 % applied to the last), then as long "
                f"again with nothing to ingest. IT is asked for {reads['it']['paths']} customers it has already "
                "applied (each answered 200 when probed before the timed reads); marketing for its briefing while it "
                "ingests insights and ROI reports.", "",
                "| read | while ingesting: p50 / p99 / max | target p99 | | with nothing to ingest |",
                "|---|---|---:|---|---|"]
        for service, reading in reads.items():
            passed = reading["busy"] is not None and reading["busy"]["p99"] <= READ_TARGET_MS
            text.append(f"| {names[service]} | {figures(reading['busy'])} | ≤ {READ_TARGET_MS} ms | "
                        f"{verdict(passed)} | {figures(reading['idle'])} |")
            targets.append((f"{names[service]} p99 ≤ {READ_TARGET_MS} ms while ingesting",
                            f"{reading['busy']['p99']:.1f} ms" if reading["busy"] else "no reads", passed))
            log(f"{service} reads while ingesting: {reading['busy']}; with no ingest: {reading['idle']}")
        sections.append(text + [""])

    services_commit = commit_of(os.path.dirname(os.path.dirname(RELEASE)))
    script_commit = commit_of(ROOT, ("bench", "scripts/bench.sh"))
    header = ["# Benchmark", "",
              f"`{' '.join(['scripts/bench.sh'] + sys.argv[1:])}` on "
              f"{began.strftime('%Y-%m-%d %H:%M')}–{datetime.now(timezone.utc).strftime('%H:%M')} UTC. Services: "
              f"release build of commit {services_commit} ({RELEASE}); benchmark script at {script_commit}. Machine: "
              f"{machine()}. Broker: {broker_version()} (`scripts/broker.sh`, in-memory storage), one per workload, "
              f"{PARTITIONS} partitions a topic. PostgreSQL: the local server (`scripts/postgres.sh`) behind "
              "`bench/delay_proxy.py` (1 ms each way). Every figure below comes from this one run, as it printed it; "
              "ratios are to baselines measured in it. What earlier rounds of work changed and measured: "
              "[benchmark-history.md](benchmark-history.md) (this script leaves it alone).", ""]
    if targets:
        header += ["## Targets", "", "| target | this run | |", "|---|---:|---|"]
        header += [f"| {name} | {figure} | {verdict(passed)} |" for name, figure, passed in targets] + [""]
    text = "\n".join(header + [line for section in sections for line in section])
    if out:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as file:
            file.write(text)
    print(text)


def ensure_release_build(products):
    for product in products:
        log(f"building {product} (release)")
        subprocess.run(["swift", "build", "-c", "release", "--product", product], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)


if __name__ == "__main__":
    main()
