#!/usr/bin/env python3
"""The tasktrace benchmarks in Python asyncio, for comparison.

The same workloads as tests/bench/tasktrace_bench.c, asyncio tasks for
tasks; each prints, as its last line, "WORKLOAD ns_per_op=X ops=N".

    python3 bench_asyncio.py switch
    python3 bench_asyncio.py million --tasks 200000   # bounded: see --help
"""
import argparse
import asyncio
import resource
import sys
import time


def report(name, ns, ops):
    print(f"{name} ns_per_op={ns / ops:.1f} ops={ops}")


async def bench_switch(_):
    """1000 tasks each yield 1000 times (op = one yield)."""
    tasks, yields = 1000, 1000

    async def worker():
        for _ in range(yields):
            await asyncio.sleep(0)

    t0 = time.monotonic_ns()
    await asyncio.gather(*(asyncio.create_task(worker()) for _ in range(tasks)))
    report("switch", time.monotonic_ns() - t0, tasks * yields)


async def bench_lock_counter(_):
    """100 tasks x 1000: acquire a Lock, read, yield, write+1, release."""
    tasks, iters = 100, 1000
    lock = asyncio.Lock()
    counter = 0

    async def worker():
        nonlocal counter
        for _ in range(iters):
            async with lock:
                v = counter
                await asyncio.sleep(0)
                counter = v + 1

    t0 = time.monotonic_ns()
    await asyncio.gather(*(asyncio.create_task(worker()) for _ in range(tasks)))
    ns = time.monotonic_ns() - t0
    if counter != tasks * iters:
        sys.exit(f"lock_counter: expected {tasks * iters}, got {counter}")
    report("lock_counter", ns, tasks * iters)


async def bench_queue(_):
    """200000 integers through a Queue of capacity 64 (op = one item)."""
    items = 200000
    q = asyncio.Queue(64)

    async def producer():
        for i in range(1, items + 1):
            await q.put(i)

    async def consumer():
        for i in range(1, items + 1):
            v = await q.get()
            if v != i:
                sys.exit(f"queue: item {i} came out as {v}")

    t0 = time.monotonic_ns()
    await asyncio.gather(asyncio.create_task(producer()), asyncio.create_task(consumer()))
    report("queue", time.monotonic_ns() - t0, items)


async def bench_spawn(_):
    """Spawn 100000 tasks that return at once, then join them all."""
    n = 100000

    async def nothing():
        return 0

    t0 = time.monotonic_ns()
    tasks = [asyncio.create_task(nothing()) for _ in range(n)]
    for t in tasks:
        await t
    report("spawn", time.monotonic_ns() - t0, n)


async def bench_million(args):
    """N tasks (a million by default) each sleep 1 s concurrently."""
    n = args.tasks
    asleep = 0

    async def sleeper():
        nonlocal asleep
        asleep += 1
        await asyncio.sleep(1)

    t0 = time.monotonic_ns()
    tasks = [asyncio.create_task(sleeper()) for _ in range(n)]
    spawned = time.monotonic_ns() - t0
    # Tasks created before this sleep(0) all run their first step (and
    # start sleeping) before main runs again: asyncio's ready queue is FIFO.
    await asyncio.sleep(0)
    asleep_at = time.monotonic_ns() - t0
    if asleep != n:
        sys.exit(f"million: only {asleep} of {n} tasks asleep after one round")
    for t in tasks:
        await t
    done = time.monotonic_ns() - t0
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"million: {n} tasks spawned in {spawned / 1e9:.3f} s, all asleep at "
          f"{asleep_at / 1e9:.3f} s, all done at {done / 1e9:.3f} s")
    print(f"million: peak RSS {rss_kb / 1024:.1f} MiB, {rss_kb * 1024 / n:.0f} bytes per task")
    print(f"million spawn_s={asleep_at / 1e9:.3f} peak_rss_kb={rss_kb} "
          f"bytes_per_task={rss_kb * 1024 / n:.0f}")
    report("million", asleep_at, n)


WORKLOADS = {
    "switch": bench_switch,
    "lock_counter": bench_lock_counter,
    "queue": bench_queue,
    "spawn": bench_spawn,
    "million": bench_million,
}


def main():
    p = argparse.ArgumentParser(description="tasktrace benchmarks in asyncio")
    p.add_argument("workload", choices=sorted(WORKLOADS))
    p.add_argument("--tasks", type=int, default=1000000,
                   help="number of tasks for 'million' (default 1000000; bench.sh "
                        "bounds it to keep the run short)")
    args = p.parse_args()
    if args.tasks <= 0:
        p.error("--tasks must be positive")
    asyncio.run(WORKLOADS[args.workload](args))


if __name__ == "__main__":
    main()
