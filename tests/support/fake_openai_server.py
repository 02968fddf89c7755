#!/usr/bin/env python3
"""A stand-in OpenAI-compatible chat-completions server for the endpoint tests.

Modes: stream (server-sent events, a few characters per event), plain (one JSON body),
slow (stream with a pause before every event), fail (HTTP 500), garbage (200 with non-JSON),
flaky (every other request fails with HTTP 503, the others stream).
Every request is appended to --log as one JSON line: path, headers, body.
Writes its port to --port-file once listening on 127.0.0.1.
"""
import argparse
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

parser = argparse.ArgumentParser()
parser.add_argument("--mode", default="stream")
parser.add_argument("--answer", default="The depth is `1234` mm.")
parser.add_argument("--port-file", required=True)
parser.add_argument("--log", required=True)
parser.add_argument("--delay", type=float, default=0.5)
args = parser.parse_args()


import threading
requests_seen = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *unused):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(args.log, "a") as log:
            log.write(json.dumps({"path": self.path, "headers": dict(self.headers), "body": json.loads(body)}) + "\n")
        global requests_seen
        with lock:
            requests_seen += 1
            seen = requests_seen
        if args.mode == "fail" or (args.mode == "flaky" and seen % 2 == 1):
            self.reply(500 if args.mode == "fail" else 503, "text/plain", b"model overloaded")
        elif args.mode == "garbage":
            self.reply(200, "text/html", b"<html>hello</html>")
        elif args.mode == "plain":
            completion = {"choices": [{"message": {"role": "assistant", "content": args.answer}}], "usage": {"completion_tokens": 7}}
            self.reply(200, "application/json", json.dumps(completion).encode())
        else:
            self.stream()

    def reply(self, status, kind, data):
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def stream(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        pieces = [args.answer[i:i + 4] for i in range(0, len(args.answer), 4)]
        try:
            for piece in pieces:
                if args.mode == "slow":
                    time.sleep(args.delay)
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                self.wfile.write(b"data: " + json.dumps(chunk).encode() + b"\n\n")
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
        except BrokenPipeError:
            pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.replace(args.port_file + ".tmp", args.port_file)
server.serve_forever()
