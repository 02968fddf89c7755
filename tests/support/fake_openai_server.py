#!/usr/bin/env python3
"""A stand-in OpenAI-compatible chat-completions server for the endpoint tests.

Modes: stream (server-sent events, a few characters per event), plain (one JSON body),
slow (stream with a pause before every event), fail (HTTP 500), garbage (200 with non-JSON),
flaky (every other request fails with HTTP 503, the others stream), nologprobs (stream, ignoring
a request for log-probabilities). Asked for "logprobs", stream and plain return each piece as a
token at probability 0.8 with runners-up at 0.15 and 0.05 (top_logprobs of them), as vLLM does.
Every request is appended to --log as one JSON line: path, headers, body.
Writes its port to --port-file once listening on 127.0.0.1.
"""
import argparse
import json
import math
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
        request = json.loads(body)
        self.top = request.get("top_logprobs", 0) if request.get("logprobs") and args.mode != "nologprobs" else None
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
            if self.top is not None:
                completion["choices"][0]["logprobs"] = {"content": [self.logprob(p) for p in self.pieces()]}
            self.reply(200, "application/json", json.dumps(completion).encode())
        else:
            self.stream()

    def pieces(self):
        return [args.answer[i:i + 4] for i in range(0, len(args.answer), 4)]

    def logprob(self, piece):
        candidates = [(piece, 0.8), (piece.upper() + "?", 0.15), ("~", 0.05)][:self.top]
        return {"token": piece, "logprob": math.log(0.8), "bytes": list(piece.encode()),
                "top_logprobs": [{"token": t, "logprob": math.log(p)} for t, p in candidates]}

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
        try:
            for piece in self.pieces():
                if args.mode == "slow":
                    time.sleep(args.delay)
                chunk = {"choices": [{"index": 0, "delta": {"content": piece}}]}
                if self.top is not None:
                    chunk["choices"][0]["logprobs"] = {"content": [self.logprob(piece)]}
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
