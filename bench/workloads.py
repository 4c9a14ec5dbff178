"""The benchmark's published events, as Kafka (key, value) pairs of structured CloudEvents.

Interactions are written from a template rather than with json.dumps (the same compact JSON, key
for key; about 5 million a minute), and event times are formatted once per second of event time.
"""
import json
import random
from datetime import datetime, timedelta, timezone

START = datetime(2026, 10, 1, tzinfo=timezone.utc)

INTERACTION = ('{"specversion":"1.0","id":"%s","source":"/bench/shop","type":"triad.customer.interaction",'
               '"time":"%s","subject":"%s","datacontenttype":"application/json","schemaversion":1,'
               '"data":{"customerId":"%s","kind":"%s","occurredAt":"%s","segment":"s%d"%s}}')
CAMPAIGN = ',"campaignId":"%s","channel":"search"'
ORDER = ',"orderId":"%s","revenue":{"amountMinor":%d,"currency":"EUR"}'


class Clock:
    """ISO 8601 times (millisecond precision, UTC) of event-time offsets from START in ms."""

    def __init__(self):
        self.second, self.prefix = None, ""

    def iso(self, ms):
        second = ms // 1000
        if second != self.second:
            self.second = second
            self.prefix = (START + timedelta(seconds=second)).strftime("%Y-%m-%dT%H:%M:%S.")
        return "%s%03dZ" % (self.prefix, ms % 1000)


def interaction_stream(n, customers=20_000, campaigns=40, seed=7, hot=0, prefix="b"):
    """n interactions over `customers` customers and `campaigns` campaigns, 10 % purchases (30 % of
    them naming a campaign), as (key, value, orderId of a purchase naming a campaign or None). With
    `hot`, that many customers make half of all interactions. Event time advances 10 ms an event:
    n events span n/100 seconds, so no one goes inactive."""
    rng = random.Random(seed)
    randrange = rng.randrange
    clock = Clock()
    for index in range(n):
        if hot and index % 2 == 0:
            number = randrange(hot)
            customer = f"hot-{number}"
        else:
            number = randrange(customers)
            customer = f"cust-{number}"
        at = clock.iso(index * 10)
        roll = randrange(100)
        campaign = f"c-{randrange(campaigns)}"
        named = None
        if roll < 10:
            kind = "purchase"
            order = f"o-{prefix}-{index}"
            extra = ""
            if randrange(100) < 30:
                extra, named = CAMPAIGN % campaign, order
            extra += ORDER % (order, 100 + randrange(9_900))
        else:
            kind = "impression" if roll < 40 else "click" if roll < 70 else "visit" if roll < 90 else "signup"
            extra = CAMPAIGN % campaign
        value = INTERACTION % (f"{prefix}-{index}", at, customer, customer, kind, at, number % 4, extra)
        yield customer, value.encode(), named


def interactions(n, **options):
    """`interaction_stream` as a list of (key, value)."""
    return [(key, value) for key, value, _ in interaction_stream(n, **options)]


def ad_spend(n, campaigns=40, seed=11):
    rng = random.Random(seed)
    clock = Clock()
    out = []
    for index in range(n):
        campaign = f"c-{rng.randrange(campaigns)}"
        event = {"specversion": "1.0", "id": f"s-{index}", "source": "/bench/ads", "type": "triad.ad-spend.reported",
                 "time": clock.iso(index), "subject": campaign, "datacontenttype": "application/json",
                 "schemaversion": 1,
                 "data": {"campaignId": campaign, "amount": {"amountMinor": 1 + rng.randrange(100), "currency": "EUR"}}}
        out.append((campaign, json.dumps(event, separators=(",", ":")).encode()))
    return out


def marketing_reports(n, customers=20_000, campaigns=40, seed=13):
    """n events of what marketing consumes: churn risk detected and cleared for customers (IT's
    insights), campaign performance and ROI reports (IT's and finance's), in event-time order, as
    (topic, key, value)."""
    rng = random.Random(seed)
    clock = Clock()
    out = []
    for index in range(n):
        at = clock.iso(index * 10)
        roll = rng.randrange(100)
        if roll < 70:
            customer = f"cust-{rng.randrange(customers)}"
            if roll < 40:
                kind, data = "triad.churn-risk.detected", {"customerId": customer, "segment": f"s{rng.randrange(4)}",
                                                            "reason": "inactive", "detectedAt": at}
            else:
                kind, data = "triad.churn-risk.cleared", {"customerId": customer, "segment": f"s{rng.randrange(4)}",
                                                           "activity": "click", "clearedAt": at}
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
        event = {"specversion": "1.0", "id": f"m-{index}", "source": source, "type": kind, "time": at,
                 "subject": key, "datacontenttype": "application/json", "schemaversion": 1, "data": data}
        topic = "finance.roi" if kind == "triad.roi.reported" else "it.insights"
        out.append((topic, key, json.dumps(event, separators=(",", ":")).encode()))
    return out
