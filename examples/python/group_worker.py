#!/usr/bin/env python3
"""A worker of a consumer group over HTTP pull, standard library only.

Fetches deliveries (long-polling), handles each event, and acks it; an event it cannot handle is
nacked (retried with back-off by the hub, parked after the group's max_retries). If the worker
dies between handling and acking, the hub delivers the event again (to this worker or another
replica of it) after the group's ack_timeout_ms: make the handling idempotent (delivery_id and
the event's position are stable).

    python3 group_worker.py --hub http://127.0.0.1:8080 --group billing --consumer worker-1 [--token T] [--count N]
"""
import argparse
import json
import sys
import urllib.error
import urllib.request


def call(hub, path, token, body=None):
    request = urllib.request.Request(hub + path, method="POST",
                                     data=json.dumps(body).encode() if body is not None else b"")
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.load(response)
    except urllib.error.HTTPError as e:
        problem = json.load(e)  # an RFC 9457 problem: type, title, status, detail
        raise RuntimeError(f"{e.code} {problem.get('type')}: {problem.get('detail')}") from None


def handle(event):
    """Your work goes here; raise to have the event retried."""
    print(json.dumps({"handled": {"position": event["position"], "stream": event["stream"],
                                  "type": event["type"], "data": event["data"]}}), flush=True)


def main():
    args = argparse.ArgumentParser()
    args.add_argument("--hub", default="http://127.0.0.1:8080")
    args.add_argument("--group", required=True)
    args.add_argument("--consumer", default="worker-1")
    args.add_argument("--token")
    args.add_argument("--count", type=int, default=0, help="stop after this many events (0: run forever)")
    opts = args.parse_args()
    base = f"/api/v1/subscriptions/{opts.group}"
    done = 0
    while opts.count == 0 or done < opts.count:
        fetched = call(opts.hub, f"{base}/fetch?consumer={opts.consumer}&max=50&wait_ms=20000", opts.token)
        acks, failed = [], []
        for delivery in fetched["deliveries"]:
            try:
                handle(delivery["event"])
                acks.append(delivery["delivery_id"])
            except Exception as e:  # noqa: BLE001 - any failure of the handler is a nack
                failed.append((delivery["delivery_id"], str(e)))
        if acks:
            call(opts.hub, f"{base}/ack", opts.token, {"consumer": opts.consumer, "ids": acks})
            done += len(acks)
        for delivery_id, reason in failed:
            call(opts.hub, f"{base}/nack", opts.token,
                 {"consumer": opts.consumer, "ids": [delivery_id], "action": "retry", "reason": reason})


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
