#!/usr/bin/env python3
"""Constant-rate (open-loop) HTTP/1.1 load generator for bench/web/run.sh.

wrk is closed-loop: each connection waits for its response before sending the next request,
so it cannot hold a fixed request rate, and its latencies leave out the time a request would
have waited behind a slow one ("coordinated omission"). This client sends request i at the
intended time t0 + i/rate, whatever happened before, over a pool of keep-alive connections
(a request waits for a free connection when all are busy), and measures each latency from
the *intended* send time to the end of the response. Only a 200 counts as a success. Standard library only, loopback only.

Usage: openloop.py --url http://127.0.0.1:PORT/path --rate 500 --duration 10
                   [--conns 32] [--header 'Cookie: a=b'] [--warmup 1]
Prints one line: `OPENLOOP rate=... achieved=... n=... errors=... p50_ms=... p90_ms=...
p99_ms=... p999_ms=... max_ms=...`
"""

import argparse
import asyncio
import sys
import time
from urllib.parse import urlsplit


async def read_response(reader):
    """Reads one HTTP/1.1 response; returns the status code."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split(b" ", 2)[1])
    length = None
    chunked = False
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        k = k.strip().lower()
        if k == b"content-length":
            length = int(v.strip())
        elif k == b"transfer-encoding" and b"chunked" in v.lower():
            chunked = True
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            size = int(size_line.split(b";")[0].strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True)
    ap.add_argument("--rate", type=float, required=True)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--header", action="append", default=[])
    a = ap.parse_args()

    u = urlsplit(a.url)
    if u.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("openloop.py: loopback targets only")
    path = u.path or "/"
    if u.query:
        path += "?" + u.query
    req = f"GET {path} HTTP/1.1\r\nHost: {u.netloc}\r\n"
    for h in a.header:
        req += h + "\r\n"
    req = (req + "\r\n").encode()

    idle = asyncio.Queue()
    for _ in range(a.conns):
        idle.put_nowait(await asyncio.open_connection(u.hostname, u.port))

    lat = []
    errors = 0
    measured_from = a.warmup

    async def one(intended, record):
        nonlocal errors
        r, w = await idle.get()
        try:
            w.write(req)
            await w.drain()
            status = await read_response(r)
            ok = status == 200
        except (OSError, asyncio.IncompleteReadError, ValueError):
            ok = False
            w.close()
            try:
                r, w = await asyncio.open_connection(u.hostname, u.port)
            except OSError:
                pass
        done = time.perf_counter()
        idle.put_nowait((r, w))
        if record:
            if ok:
                lat.append(done - intended)
            else:
                errors += 1

    total = int(a.rate * (a.warmup + a.duration))
    tasks = []
    t0 = time.perf_counter() + 0.05
    for i in range(total):
        intended = t0 + i / a.rate
        delay = intended - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(intended, i / a.rate >= measured_from)))
    send_end = time.perf_counter()
    await asyncio.gather(*tasks)
    n = len(lat)
    lat.sort()

    def pct(p):
        return lat[min(n - 1, int(p / 100.0 * n))] * 1000 if n else float("nan")

    # Achieved rate: completed measured requests over the measured window.
    window = max(send_end - (t0 + measured_from), 1e-9)
    print(
        f"OPENLOOP rate={a.rate:.0f} achieved={(n + errors) / window:.0f} n={n} errors={errors} "
        f"p50_ms={pct(50):.2f} p90_ms={pct(90):.2f} p99_ms={pct(99):.2f} "
        f"p999_ms={pct(99.9):.2f} max_ms={(lat[-1] * 1000 if n else float('nan')):.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
