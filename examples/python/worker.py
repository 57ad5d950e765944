#!/usr/bin/env python3
"""A Python service on the hub over the TCP event-bus bridge, standard library only.

It subscribes to a topic and publishes on it, enqueues a job on a RabbitMQ-backed hub queue
(the reply comes once the broker has confirmed it), and works that queue as its handler: the
hub sends each job as a request and the reply acknowledges it.

    python3 worker.py [--host 127.0.0.1] [--port 7000] [--token TOKEN] [--queue examples-jobs]
                      [--handler examples.jobs] [--topic examples.greetings]

The hub needs tcp_bridge.port, the queue {"name": QUEUE, "handler": HANDLER} in rabbitmq.queues,
and the bridge permissions: inbound switchboard.topics.publish and switchboard.queue.publish,
outbound switchboard.topic.* and HANDLER. It prints one JSON line per thing it saw.
"""
import argparse
import json
import queue

from switchboard_bridge import EventBus


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7000)
    parser.add_argument("--token")
    parser.add_argument("--queue", default="examples-jobs")
    parser.add_argument("--handler", default="examples.jobs")
    parser.add_argument("--topic", default="examples.greetings")
    args = parser.parse_args()

    bus = EventBus(args.host, args.port, token=args.token)
    seen = queue.Queue()

    # a topic: every message on it, as a CloudEvent
    bus.subscribe(args.topic, lambda event: seen.put(("greeting", event)))

    # the queue's handler: square the number, and the reply acks the job; a job it cannot do is
    # failed (failureCode + message): the hub retries it, then dead-letters it with x-last-error
    def work(message):
        job = message["body"]
        n = job.get("data", {}).get("n")
        if not isinstance(n, (int, float)):
            bus.fail(message, 422, "cannot do job %s: n must be a number" % job.get("id"))
            return
        bus.reply(message, {"squared": n ** 2})
        seen.put(("job", job))
    bus.register(args.handler, work)

    bus.ping()  # the bridge answers frames in order: both registrations are in place
    greeting_id = bus.publish(args.topic, {"type": "greeting.said", "data": {"from": "python"}})
    print(json.dumps({"published": greeting_id}), flush=True)

    queued = bus.request("switchboard.queue.publish",
                         {"queue": args.queue, "event": {"type": "job.requested", "data": {"n": 7}}})
    print(json.dumps({"queued": queued["body"]}), flush=True)

    for _ in range(2):
        kind, event = seen.get(timeout=20)
        print(json.dumps({kind: event}), flush=True)
    bus.close()


if __name__ == "__main__":
    main()
