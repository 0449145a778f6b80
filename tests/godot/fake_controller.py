#!/usr/bin/env python3
"""A misbehaving ai4u controller, to check how the Godot engine side fails.

Usage: fake_controller.py SCENARIO
Prints `listening on 127.0.0.1:PORT` (flushed), accepts one engine, answers its Hello with
a Welcome and then, per SCENARIO:
  silent    never answers a tick (the engine must time out);
  badseq    answers tick 0 with a Reply of seq 5 (the engine must send Error and close);
  oversize  answers tick 0 with a frame header of 0xFFFFFFFF bytes (Error, close);
  die       answers 3 ticks with Wait, then closes without a word.
Prints what the engine sent last (`engine error: REASON` for an Error) and exits 0 when the
engine behaved as the scenario expects, 1 otherwise.
"""
import socket
import struct
import sys


def read_exact(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def read_frame(c):
    h = read_exact(c, 4)
    if h is None:
        return None
    (n,) = struct.unpack("<I", h)
    return read_exact(c, n)


def send_frame(c, payload):
    c.sendall(struct.pack("<I", len(payload)) + payload)


def main():
    scenario = sys.argv[1]
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(60)
    print(f"listening on 127.0.0.1:{srv.getsockname()[1]}", flush=True)
    c, _ = srv.accept()
    c.settimeout(60)
    hello = read_frame(c)
    assert hello and struct.unpack_from("<I", hello)[0] == 0, "expected a Hello"
    welcome = struct.pack("<IHI", 1, 2, 0) + struct.pack("<Q", 0)
    send_frame(c, welcome)
    answered = 0
    while True:
        p = read_frame(c)
        if p is None:
            print("engine closed the connection")
            return 0 if scenario == "silent" else 1
        (tag,) = struct.unpack_from("<I", p)
        if tag == 6:
            (n,) = struct.unpack_from("<Q", p, 4)
            print("engine error:", p[12 : 12 + n].decode())
            return 0 if scenario in ("badseq", "oversize") else 1
        if tag != 3:
            print("unexpected message tag", tag)
            return 1
        (seq,) = struct.unpack_from("<Q", p, 4)
        if scenario == "silent":
            continue
        if scenario == "badseq":
            send_frame(c, struct.pack("<IQQ", 4, seq + 5, 0))
        elif scenario == "oversize":
            c.sendall(b"\xff\xff\xff\xff")
        elif scenario == "die":
            if answered == 3:
                c.close()
                print("closed after 3 replies")
                return 0
            send_frame(c, struct.pack("<IQQ", 4, seq, 0))
            answered += 1


if __name__ == "__main__":
    sys.exit(main())
