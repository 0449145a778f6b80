#!/usr/bin/env python3
"""A strict batch controller, the way VecEnv and ParallelEnv step agents, against a real engine.

Usage: batch_controller.py AGENTS EPISODES
Prints `listening on 127.0.0.1:PORT` (flushed), accepts one engine serving ids 0..AGENTS-1
and gives agent i episodes of 6 + 5 * i steps (Welcome max_steps), so the episodes end at
different moments. Lockstep, one command per agent per batch, all in one reply: an agent
whose episode ended is reset in the same reply that moves the others (autoreset). A batch
controller needs every running agent to decide in the same tick (PROTOCOL.md section 5,
aligned episodes): a tick in which some agents need an action while another running agent is
missing would leave it waiting on itself, so such a tick fails the run. After EPISODES
episodes per agent every agent is stopped; the engine must then say Bye. Exits 0 and prints
a summary when all of that held, 1 otherwise.
"""
import socket
import struct
import sys


class Reader:
    def __init__(self, b):
        self.b, self.i = b, 0

    def take(self, fmt):
        v = struct.unpack_from("<" + fmt, self.b, self.i)
        self.i += struct.calcsize("<" + fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take("Q")
        s = self.b[self.i:self.i + n].decode()
        self.i += n
        return s

    def skip_value(self):
        kind = self.take("I")
        if kind in (5, 6):  # shape list<u32>, then data list of 4-byte elements
            dims = self.take("Q")
            self.i += 4 * dims
            n = 4 * self.take("Q")
        elif kind == 7:  # width, height, channels, pixel, encoding, then list<u8>
            self.i += 20
            n = self.take("Q")
        elif kind in (3, 4):
            n = self.take("Q")
        else:
            n = {0: 4, 1: 8, 2: 1}[kind]
        self.i += n


def read_exact(c, n):
    b = b""
    while len(b) < n:
        chunk = c.recv(n - len(b))
        if not chunk:
            return None
        b += chunk
    return b


def read_message(c):
    h = read_exact(c, 4)
    return None if h is None else read_exact(c, struct.unpack("<I", h)[0])


def send(c, payload):
    c.sendall(struct.pack("<I", len(payload)) + payload)


def s(text):
    b = text.encode()
    return struct.pack("<Q", len(b)) + b


def welcome(n):
    out = struct.pack("<IHIQ", 1, 2, 0, n)
    for i in range(n):
        out += s(str(i)) + struct.pack("<Q", 1) + s("max_steps") + struct.pack("<Iq", 1, 6 + 5 * i)
    return out


def reply(seq, commands):
    out = struct.pack("<IQQ", 4, seq, len(commands))
    for aid, cmd in commands:
        out += s(aid)
        if cmd == "act":
            # Turn in place: the agent neither falls nor reaches the cube, so max_steps ends it.
            out += struct.pack("<I", 0) + s("move") + struct.pack("<QIQIQ4fQ", 1, 5, 1, 4, 4, 0.0, 1.0, 0.0, 0.0, 0)
        elif cmd == "reset":
            out += struct.pack("<IQ", 1, 0)
        elif cmd == "stop":
            out += struct.pack("<I", 5)
    return out


def main():
    n, episodes = int(sys.argv[1]), int(sys.argv[2])
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    srv.settimeout(60)
    print(f"listening on 127.0.0.1:{srv.getsockname()[1]}", flush=True)
    c, _ = srv.accept()
    # A hang guard only: the engine answers within milliseconds.
    c.settimeout(60)
    hello = read_message(c)
    assert hello and struct.unpack_from("<I", hello)[0] == 0, "expected a Hello"
    send(c, welcome(n))
    ids = [str(i) for i in range(n)]
    done_eps = {i: 0 for i in ids}
    lengths = {i: set() for i in ids}
    running = set()
    ticks = batches = 0
    while True:
        try:
            p = read_message(c)
        except socket.timeout:
            print(f"FAIL: the engine sent nothing for 60 s after {ticks} ticks")
            return 1
        if p is None:
            print(f"FAIL: the engine closed the connection without Bye after {ticks} ticks")
            return 1
        r = Reader(p)
        tag = r.take("I")
        if tag == 5:
            break
        if tag != 3:
            print(f"FAIL: unexpected message tag {tag}")
            return 1
        seq, count = r.take("Q"), r.take("Q")
        states = {}
        for _ in range(count):
            aid, status, _reward, done, trunc, steps = r.string(), r.take("I"), r.take("f"), r.take("B"), r.take("B"), r.take("I")
            for _ in range(r.take("Q")):
                r.string()
                r.skip_value()
            states[aid] = (status, bool(done or trunc), steps)
        ticks += 1
        deciding = {a for a, (st, _, _) in states.items() if st in (1, 2)}
        if deciding and running - deciding:
            print(f"FAIL: tick {seq} has decisions for {sorted(deciding)} but not for running {sorted(running - deciding)}")
            return 1
        if deciding:
            batches += 1
        commands = []
        for a, (status, ended, steps) in states.items():
            if status == 0 or ended:
                if ended:
                    done_eps[a] += 1
                    lengths[a].add(steps)
                    running.discard(a)
                if done_eps[a] < episodes:
                    commands.append((a, "reset"))
                    running.add(a)
                else:
                    commands.append((a, "stop"))
            elif status in (1, 2):
                commands.append((a, "act"))
        send(c, reply(seq, commands))
    want = {a: {6 + 5 * int(a)} for a in ids}
    if done_eps != {a: episodes for a in ids} or lengths != want:
        print(f"FAIL: episodes {done_eps}, lengths {lengths}, wanted {episodes} of lengths {want}")
        return 1
    print(f"{n} agents x {episodes} episodes of lengths {[6 + 5 * i for i in range(n)]}: "
          f"{batches} aligned batch steps in {ticks} ticks, then Bye")
    return 0


if __name__ == "__main__":
    sys.exit(main())
