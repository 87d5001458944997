"""Where POST /api/recommend's extra cost goes, measured the way the server pays it (one process, no sockets).

Why this exists: in a tight loop (bench/recommend_bench.py) the engine looks cheap, because its code and data
stay in the CPU caches from one intake to the next. A server never runs it that way: between two intakes the
framework parses, routes and answers other requests and pushes the engine's code and data out of the caches.
On this VM that makes every stage two to four times dearer than in a tight loop, and it is the server's
figure that decides the throughput ratio of bench/web_recommend.py.

So before every timed call this script first sends one bare request (GET /api/health) through the real app,
in-process over ASGI and untimed, and only then times one of:
- `bare`: another GET /api/health through the app (the framework's own cost, paid by both routes);
- `route`: a whole POST /api/recommend through the app, with one of the 10,000 generated intakes;
- the route's pipeline cut after each stage: strict JSON decoding, then contract validation, then the
  engine, then building the answer's dict, then encoding it.
Differences between successive cuts give each stage's cost; `route` minus `bare` is the route's extra cost
(the d of docs/web.md), and the part of it not in the pipeline is the HTTP handling of a request body and
a 5-6 KB answer. The kinds take turns call by call on the same intake, and each figure is the median over
blocks of calls (differences taken within a block), since the machine's speed drifts over minutes. Times
are this thread's CPU time, so other processes matter less.

Usage: .venv/bin/python bench/web_recommend_costs.py [--blocks 15] [--per-block 200]
It prints figures and asserts nothing. It measures in-process; the real server adds uvicorn's HTTP parser
and socket work to every request (see docs/web.md for how the two relate).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from recommend_bench import generate

Run = Callable[[bytes], Awaitable[None]]


def make_app() -> Any:
    """The product's app on a throw-away SQLite directory, as `rejuv serve` builds it."""
    os.environ["REJUV_DATA_DIR"] = tempfile.mkdtemp(prefix="rejuv-costs-")
    os.environ.pop("REJUV_DATABASE_URL", None)
    from rejuv.settings import load_settings
    from rejuv.web.app import create_app

    return create_app(load_settings())


def asgi_caller(app: Any) -> Callable[[str, str, bytes], Awaitable[int]]:
    """Send one HTTP request through the ASGI app and return its status (the body is read and dropped)."""

    async def call(method: str, path: str, body: bytes) -> int:
        headers = [(b"host", b"bench")]
        if body:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
        }
        delivered = False
        status = 0

        async def receive() -> dict[str, Any]:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await app(scope, receive, send)
        return status

    return call


def kinds(app: Any) -> dict[str, Run]:
    """Each timed kind, as a coroutine taking one intake body (the bare request ignores it)."""
    from rejuv.domain.intake import parse_intake
    from rejuv.domain.strict_json import decode_json_noting_nulls
    from rejuv.engine import recommend

    call = asgi_caller(app)
    kb = app.state.rejuv.advisor.kb

    async def bare(_body: bytes) -> None:
        assert await call("GET", "/api/health", b"") == 200

    async def route(body: bytes) -> None:
        assert await call("POST", "/api/recommend", body) == 200

    async def decoded(body: bytes) -> None:
        decode_json_noting_nulls(body)

    async def validated(body: bytes) -> None:
        document, saw_null = decode_json_noting_nulls(body)
        parse_intake(document, may_hold_null=saw_null)

    async def screened(body: bytes) -> None:
        document, saw_null = decode_json_noting_nulls(body)
        recommend(parse_intake(document, may_hold_null=saw_null), kb)

    async def built(body: bytes) -> None:
        document, saw_null = decode_json_noting_nulls(body)
        recommend(parse_intake(document, may_hold_null=saw_null), kb).to_encodable()

    async def encoded(body: bytes) -> None:
        document, saw_null = decode_json_noting_nulls(body)
        orjson.dumps(recommend(parse_intake(document, may_hold_null=saw_null), kb).to_encodable())

    return {
        "bare": bare,
        "route": route,
        "decode": decoded,
        "+ validate": validated,
        "+ engine": screened,
        "+ answer dict": built,
        "+ encode": encoded,
    }


async def measure(app: Any, blocks: int, per_block: int) -> dict[str, list[float]]:
    """Per kind, its mean cost in each block. Kinds take turns call by call on the same intake (each call after
    its own untimed bare request), so every kind meets the same intakes and the same moment of the machine."""
    rng = random.Random(7)
    bodies = [json.dumps(generate(rng)).encode() for _ in range(10_000)]
    evict = asgi_caller(app)
    timed = kinds(app)
    per_kind: dict[str, list[float]] = {name: [] for name in timed}
    order = list(timed)
    cursor = 0
    for block in range(blocks + 1):  # the first block warms up and is not counted
        spent = dict.fromkeys(timed, 0)
        for _ in range(per_block):
            body = bodies[cursor % len(bodies)]
            cursor += 997  # a prime stride through the pool, as the load generator walks it
            rng.shuffle(order)
            for name in order:
                await evict("GET", "/api/health", b"")
                started = time.thread_time_ns()
                await timed[name](body)
                spent[name] += time.thread_time_ns() - started
        if block:
            for name, total in spent.items():
                per_kind[name].append(total / per_block / 1000)
    return per_kind


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blocks", type=int, default=15, help="blocks of calls; figures are medians over them")
    parser.add_argument("--per-block", type=int, default=200, help="timed calls of each kind per block")
    args = parser.parse_args()
    app = make_app()
    gc.collect()
    gc.freeze()  # as `rejuv serve` does after start-up
    per_kind = asyncio.run(measure(app, args.blocks, args.per_block))
    # Differences are taken within each block (every kind ran on the same intakes in it) and then the median
    # over blocks: the machine's drift between blocks cancels out of the differences.
    cuts = ("decode", "+ validate", "+ engine", "+ answer dict", "+ encode")

    def median_of(minuend: str, subtrahend: str | None) -> float:
        if subtrahend is None:
            return statistics.median(per_kind[minuend])
        return statistics.median(a - b for a, b in zip(per_kind[minuend], per_kind[subtrahend], strict=True))

    extra = median_of("route", "bare")
    print(f"load average {os.getloadavg()[0]:.2f}; {args.blocks} blocks of {args.per_block} calls per kind")
    print(f"{'kind':16} {'us':>8}   stage cost (median of the differences within blocks)")
    for index, name in enumerate(cuts):
        stage = median_of(name, cuts[index - 1] if index else None)
        print(f"{name:16} {median_of(name, None):8.1f}   {stage:6.1f} us  {100 * stage / extra:3.0f} % of the extra")
    bare, route = median_of("bare", None), median_of("route", None)
    print(f"{'bare':16} {bare:8.1f}   the framework's cost, paid by both routes")
    print(
        f"{'route':16} {route:8.1f}   extra over bare {extra:.1f} us, of which outside the pipeline "
        f"{median_of('route', '+ encode') - bare:.1f} us"
    )
    print(
        f"in-process ratio bare / route: {bare / route:.2f} "
        "(the real server adds uvicorn's HTTP parsing and socket work to both: see docs/web.md)"
    )


if __name__ == "__main__":
    main()
