"""End-to-end latency as a shop sees it: a purchase produced on customer.interactions → its
triad.conversion.attributed arriving on it.attributions, read by a consumer of its own.

The clock: the producer takes the wall clock (time.time()) just before each produce call of a
purchase that names a campaign (IT always attributes those), keyed by its orderId; a separate
process (its own interpreter, so the producer's loop never delays it) reads it.attributions with
fetch.wait.max.ms 5 from the end offsets it took before the first event was sent, and takes the
wall clock as each conversion arrives. Percentiles are exact, from the samples.
"""
import json
import multiprocessing
import queue
import time

from confluent_kafka import Consumer, Producer, TopicPartition

TOPIC = "it.attributions"
CONVERSION = "triad.conversion.attributed"


def exact_percentiles(samples):
    """p50, p99 and max of `samples` (nearest rank: the p-th percentile is the ⌈p·n/100⌉-th
    smallest), or None when there are none."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = lambda percent: ordered[-(-percent * len(ordered) // 100) - 1]
    return {"p50": rank(50), "p99": rank(99), "max": ordered[-1], "count": len(ordered)}


def _order_of(message):
    """The orderId of a conversion (structured or binary mode), or None for any other event."""
    value = message.value() or b""
    headers = dict(message.headers() or [])
    if "ce_type" in headers:
        if headers["ce_type"] != CONVERSION.encode():
            return None
        return json.loads(value).get("orderId")
    if CONVERSION.encode() not in value:
        return None
    event = json.loads(value)
    return event["data"].get("orderId") if event.get("type") == CONVERSION else None


def _listen(brokers, ready, stop, arrivals):
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": f"e2e-listener-{time.time_ns()}",
                         "enable.auto.commit": False, "fetch.wait.max.ms": 5, "fetch.min.bytes": 1})
    partitions = consumer.list_topics(TOPIC, timeout=30).topics[TOPIC].partitions
    ends = [TopicPartition(TOPIC, p, consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1])
            for p in sorted(partitions)]
    consumer.assign(ends)
    ready.set()
    pending = []
    flushed = time.monotonic()
    while not stop.is_set():
        for message in consumer.consume(num_messages=1000, timeout=0.05):
            if message.error():
                continue
            arrived = time.time()
            order = _order_of(message)
            if order:
                pending.append((order, arrived))
        if pending and time.monotonic() - flushed > 0.1:
            arrivals.put(pending)
            pending, flushed = [], time.monotonic()
    if pending:
        arrivals.put(pending)
    consumer.close()


class AttributionListener:
    """The separate consumer of it.attributions, in a process of its own; `arrived` maps orderId →
    arrival wall time for every conversion read so far."""

    def __init__(self, brokers):
        context = multiprocessing.get_context("spawn")
        self._ready, self._stop = context.Event(), context.Event()
        self._queue = context.Queue()
        self._process = context.Process(target=_listen, args=(brokers, self._ready, self._stop, self._queue),
                                        daemon=True)
        self._process.start()
        if not self._ready.wait(60):
            raise RuntimeError("the it.attributions listener did not take its end offsets")
        self.arrived = {}

    def drain(self):
        while True:
            try:
                self.arrived.update(self._queue.get_nowait())
            except queue.Empty:
                return

    def wait_for(self, orders, timeout):
        """Waits until every one of `orders` has arrived (or `timeout` s); returns how many did."""
        deadline = time.monotonic() + timeout
        while True:
            self.drain()
            missing = sum(1 for order in orders if order not in self.arrived)
            if not missing or time.monotonic() > deadline:
                return len(orders) - missing
            time.sleep(0.1)

    def close(self):
        self._stop.set()
        self._process.join(10)
        self.drain()
        if self._process.is_alive():
            self._process.kill()


def new_producer(brokers):
    return Producer({"bootstrap.servers": brokers, "linger.ms": 2, "queue.buffering.max.messages": 2_000_000,
                     "queue.buffering.max.kbytes": 2_000_000})



def produce(producer, topic, key, value, backoff):
    """Produces one structured CloudEvent, waiting `backoff` seconds at a time while the local queue is full."""
    while True:
        try:
            producer.produce(topic, value=value, key=key, headers=[("content-type", b"application/cloudevents+json")])
            break
        except BufferError:
            producer.poll(backoff)
    producer.poll(0)


def send(producer, events, rate=None, topic="customer.interactions"):
    """Produces `events` ((key, value, orderId or None) each) at `rate` per second, or as fast as
    the producer takes them without `rate`. The pacing is a token bucket: the events due by now
    (start + i / rate) go out, then the loop sleeps a millisecond. Returns {orderId: wall time of
    its produce call}, the wall time of the first produce call and the rate of the produce calls."""
    sent_at = {}
    started, first = time.monotonic(), time.time()
    index = 0
    while index < len(events):
        due = len(events) if rate is None else min(len(events), int((time.monotonic() - started) * rate) + 1)
        while index < due:
            key, value, order = events[index]
            if order:
                sent_at[order] = time.time()
            produce(producer, topic, key, value, backoff=0.01)
            index += 1
        if index < len(events):
            time.sleep(0.001)
    elapsed = time.monotonic() - started
    producer.flush(60)
    return sent_at, first, len(events) / max(elapsed, 1e-9)


def measure(listener, producer, events, rate, timeout=120, topic="customer.interactions"):
    """Sends `events` at `rate` (None: a backlog, as fast as possible) and waits for their
    conversions: sent purchases naming a campaign, conversions measured, exact percentiles in ms,
    the sending rate, and (for a backlog) the rate from the first produce to the last arrival."""
    sent_at, first, sending_rate = send(producer, events, rate, topic)
    measured = listener.wait_for(sent_at, timeout)
    latencies = [(listener.arrived[order] - at) * 1000 for order, at in sent_at.items() if order in listener.arrived]
    result = {"rate": rate, "events": len(events), "sent": len(sent_at), "measured": measured,
              "sending_rate": sending_rate, "latency": exact_percentiles(latencies)}
    if sent_at and measured:
        last = max(listener.arrived[order] for order in sent_at if order in listener.arrived)
        result["through_rate"] = len(events) / (last - first)
    return result


def floor_events(n, prefix):
    """n stand-ins for IT's output, produced straight onto it.attributions to time the measuring
    path alone (producer, broker, listener): one in 30 a conversion with an orderId, as in the
    interactions (3 % are purchases naming a campaign), the rest other events of similar size."""
    padding = "x" * 300
    events = []
    for index in range(n):
        order = f"o-{prefix}-{index}" if index % 30 == 0 else None
        kind = CONVERSION if order else "triad.customer.acquired"
        value = json.dumps({"type": kind, "data": {"orderId": order or "-", "padding": padding}}).encode()
        events.append((f"cust-{index % 20_000}", value, order))
    return events


def measure_floor(listener, producer, rate, seconds, prefix):
    """The measuring path's own latency at `rate`: no service between the producer and the listener."""
    result = measure(listener, producer, floor_events(rate * seconds, f"{prefix}-{rate}"), rate, topic=TOPIC)
    result["floor"] = True
    return result
