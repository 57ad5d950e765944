"""A Switchboard client over the TCP event-bus bridge, with the Python standard library only.

Frames are a 4-byte big-endian length and a UTF-8 JSON object:
{"type": "send"|"publish"|"register"|"unregister"|"ping", "address", "headers", "body", "replyAddress"}.
The hub answers with "message", "err" and "pong" frames.
"""
import json
import queue
import socket
import struct
import threading
import uuid


class BridgeError(Exception):
    pass


class EventBus:
    def __init__(self, host="127.0.0.1", port=7000, token=None, timeout=10.0):
        self._sock = socket.create_connection((host, port), timeout=timeout)
        self._sock.settimeout(None)
        self._token = token
        self._timeout = timeout
        self._send_lock = threading.Lock()
        self._handlers = {}   # address -> callback(message)
        self._replies = {}    # reply address -> queue
        self.errors = queue.Queue()
        threading.Thread(target=self._read_loop, daemon=True).start()

    # -- topics ---------------------------------------------------------------------------------
    def publish(self, topic, event):
        """Publishes a CloudEvent (a dict with at least "type") on a topic; returns its id."""
        reply = self.request("switchboard.topics.publish", {"topic": topic, "event": event})
        return reply["body"]["id"]

    def subscribe(self, topic, callback):
        """Calls callback(envelope) for each message on an exact topic name."""
        self.register("switchboard.topic." + topic, lambda message: callback(message["body"]))

    # -- the event bus ----------------------------------------------------------------------------
    def register(self, address, callback):
        self._handlers[address] = callback
        self._write({"type": "register", "address": address})

    def request(self, address, body, headers=None):
        """Sends body to address and waits for the reply frame (raises BridgeError on a failure)."""
        reply_address = str(uuid.uuid4())
        answers = queue.Queue(maxsize=1)
        self._replies[reply_address] = answers
        self._write({"type": "send", "address": address, "body": body, "headers": headers or {},
                     "replyAddress": reply_address})
        try:
            frame = answers.get(timeout=self._timeout)
        except queue.Empty:
            raise BridgeError("no reply from %s within %s s" % (address, self._timeout))
        finally:
            self._replies.pop(reply_address, None)
        if frame.get("type") == "err":
            raise BridgeError("%s: %s" % (frame.get("failureCode"), frame.get("message")))
        return frame

    def reply(self, message, body):
        """Answers a message that arrived with a replyAddress (a queue handler's ack)."""
        self._write({"type": "send", "address": message["replyAddress"], "body": body})

    def fail(self, message, code, reason):
        """Refuses a message that arrived with a replyAddress (the hub retries it)."""
        self._write({"type": "send", "address": message["replyAddress"], "failureCode": code, "message": reason})

    def close(self):
        self._sock.close()

    # -- the wire ----------------------------------------------------------------------------------
    def _write(self, frame):
        frame.setdefault("headers", {})
        if self._token:
            frame["headers"]["token"] = self._token
        data = json.dumps(frame).encode("utf-8")
        with self._send_lock:
            self._sock.sendall(struct.pack(">I", len(data)) + data)

    def _read_exactly(self, n):
        data = b""
        while len(data) < n:
            chunk = self._sock.recv(n - len(data))
            if not chunk:
                raise ConnectionError("the hub closed the connection")
            data += chunk
        return data

    def _read_loop(self):
        try:
            while True:
                (length,) = struct.unpack(">I", self._read_exactly(4))
                frame = json.loads(self._read_exactly(length))
                address = frame.get("address")
                if address in self._replies:
                    self._replies[address].put(frame)
                elif frame.get("type") == "message" and address in self._handlers:
                    self._handlers[address](frame)
                elif frame.get("type") == "err" and address is None and self._replies:
                    # a refusal names no address: it answers the oldest request still waiting
                    next(iter(self._replies.values())).put(frame)
                elif frame.get("type") == "err":
                    self.errors.put(frame)
        except (ConnectionError, OSError):
            pass
