#!/usr/bin/env python3
"""Plays the demo scenario against running services and prints the executive briefing.

Marketing plans campaigns over HTTP; finance decides their budgets; marketing launches the approved
ones; then ad spend and customer interactions arrive through `triad publish`, as another system
would send them. Every wait is a poll with a deadline.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import urllib.error
import urllib.request

from polling import poll

ROOT = pathlib.Path(__file__).resolve().parent.parent
DEMO = ROOT / "demo"


TOKEN = None  # marketing's bearer token, when it asks for one (--token)


def http(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if TOKEN:
        headers["Authorization"] = f"Bearer {TOKEN}"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def wait_for(what, check, timeout=60.0, last_seen=None):
    """Polls `check` until it returns something truthy; on giving up, prints `last_seen()` if given."""
    result = poll(check, timeout, 0.2)
    if not result:
        seen = f"; last seen: {last_seen()}" if last_seen else ""
        sys.exit(f"demo: gave up waiting for {what} after {timeout:.0f} s{seen}")
    return result


def campaign_status(marketing, campaign_id):
    status, body = http("GET", f"{marketing}/campaigns/{campaign_id}")
    return body.get("status") if status == 200 else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--marketing", default="http://127.0.0.1:8081")
    parser.add_argument("--brokers", default="127.0.0.1:9092")
    parser.add_argument("--triad", default=str(ROOT / ".build" / "debug" / "triad"))
    parser.add_argument("--token", default=os.environ.get("TRIAD_API_TOKEN"),
                        help="bearer token for marketing's API (default: TRIAD_API_TOKEN)")
    args = parser.parse_args()
    marketing = args.marketing
    global TOKEN
    TOKEN = args.token

    campaigns = json.loads((DEMO / "campaigns.json").read_text())
    first, last = campaigns[:-1], campaigns[-1]
    for campaign in first:
        status, body = http("POST", f"{marketing}/campaigns", campaign)
        if status != 201:
            sys.exit(f"demo: planning {campaign['id']} failed with {status}: {body}")
        print(f"planned  {campaign['id']:<10} requesting {campaign['requestedBudget']['amountMinor']:>10} minor units")
    for campaign in first:
        decided = wait_for(f"finance's decision on {campaign['id']}",
                           lambda: campaign_status(marketing, campaign["id"]) in ("approved", "rejected")
                           and campaign_status(marketing, campaign["id"]))
        print(f"finance  {campaign['id']:<10} {decided}")
    # Planned once the others hold their reservations: the quarter's envelope is spent by now.
    status, body = http("POST", f"{marketing}/campaigns", last)
    if status != 201:
        sys.exit(f"demo: planning {last['id']} failed with {status}: {body}")
    decided = wait_for(f"finance's decision on {last['id']}",
                       lambda: campaign_status(marketing, last["id"]) in ("approved", "rejected")
                       and campaign_status(marketing, last["id"]))
    print(f"finance  {last['id']:<10} {decided} (planned after the envelope was reserved)")

    for campaign in campaigns:
        if campaign_status(marketing, campaign["id"]) == "approved":
            status, body = http("POST", f"{marketing}/campaigns/{campaign['id']}/launch")
            print(f"launch   {campaign['id']:<10} -> {body.get('status') if status == 200 else body}")

    for topic, name in (("ads.spend", "ad-spend.jsonl"), ("customer.interactions", "interactions.jsonl")):
        subprocess.run([args.triad, "publish", "--brokers", args.brokers, "--topic", topic,
                        "--file", str(DEMO / name)], check=True)

    # Figures arrive at different times: spend and ROI from finance's coalesced reports, envelope
    # revisions on their quarter's partition, counters from IT's coalesced performance reports (one
    # per report interval). The board is printed once all of them are in.
    expected = {
        "c-search": {"status": "live", "spend": 300000, "revenue": 900000, "conversions": 2,
                     "impressions": 3, "clicks": 1},
        "c-social": {"status": "live", "spend": 1200000, "revenue": 450001, "conversions": 1,
                     "impressions": 0, "clicks": 1},
        "c-email": {"status": "paused", "spend": 47000100, "revenue": 0, "conversions": 0,
                    "impressions": 0, "clicks": 0},
    }
    last_seen = {}

    def figures(line):
        performance = line.get("performance", {})
        return {"status": line.get("status"), "spend": line.get("spend", {}).get("amountMinor"),
                "revenue": line.get("revenue", {}).get("amountMinor"), "conversions": line.get("conversions"),
                "impressions": performance.get("impressions"), "clicks": performance.get("clicks")}

    def settled():
        status, briefing = http("GET", f"{marketing}/briefing")
        if status != 200:
            return None
        seen = {line["campaignId"]: figures(line) for line in briefing["campaigns"]}
        seen["churn risk"] = sum(briefing["churnRiskBySegment"].values())
        seen["envelopes"] = [[e["quarter"], e["reserved"]["amountMinor"], e["remaining"]["amountMinor"]]
                             for e in briefing.get("envelopes", [])]
        last_seen.clear()
        last_seen.update(seen)
        ready = (all(seen.get(campaign) == want for campaign, want in expected.items()) and seen["churn risk"] == 13
                 and seen["envelopes"] == [["2026-Q4", 50000000, 0]])
        return briefing if ready else None

    wait_for("the briefing to reflect every event", settled,
             last_seen=lambda: json.dumps(last_seen, sort_keys=True))
    # The board table comes from the CLI, which reads the same GET /briefing.
    subprocess.run([args.triad, "briefing", "--marketing", marketing], check=True)


if __name__ == "__main__":
    main()
