"""Fan-out of N LLM calls (``fake`` provider, 100 ms each): sync, threads and Celery.

Prints the median wall time of ``orchestrate()`` for one fan-out of
``--children`` children, each one ``llm`` node, with

- the ``sync`` caller (one call after the other),
- the ``threads`` caller (in process, ``--threads`` threads),
- the ``celery`` caller with 2 workers (``--concurrency`` threads each),

then the throughput (LLM calls per second) of a bigger fan-out
(``--throughput-children``) with 1 and with 2 Celery workers. Every run
uses a fresh SQLite file (or ``--store URL``, or ``--postgres`` for a
throw-away PostgreSQL server). The script starts its own ``redis-server``
on loopback and its own workers.

Run: ``python benchmarks/fanout.py [--children 50] [--repeats 3] [--postgres]``.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from soe_celery.testing import TemporaryRedis, Workers

from soe_core import create_all_nodes, open_backends, orchestrate
from soe_core.context import get_accumulated
from soe_core.llm import get_llm

FAN_OUT = """
main:
  Spawn:
    node_type: child
    event_triggers: [START]
    child_workflow_name: ask
    child_initial_signals: [GO]
    fan_out_field: questions
    child_input_field: question
    signals_to_parent: [ANSWERED]
    context_updates_to_parent: [answer]
ask:
  Ask:
    node_type: llm
    event_triggers: [GO]
    prompt: "Answer {{ context.question }}"
    output_field: answer
    event_emissions: [{signal_name: ANSWERED}]
"""


def run_once(store: str, children: int, caller: str, options: dict, latency: float) -> float:
    backends = open_backends(store)
    try:
        llm = get_llm("fake", latency=latency)
        _nodes, broadcast = create_all_nodes(
            backends, call_llm=llm, caller=caller, caller_options=options
        )
        context = {"questions": [f"q{i}" for i in range(children)]}
        start = time.perf_counter()
        execution_id = orchestrate(FAN_OUT, "main", ["START"], context, backends, broadcast)
        elapsed = time.perf_counter() - start
        answers = get_accumulated(backends.context.get_context(execution_id), "answer")
        assert len(answers) == children, f"{caller}: {len(answers)} answers, not {children}"
        return elapsed
    finally:
        backends.close()


def median_of(repeats: int, measure) -> float:
    return statistics.median(measure() for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=50)
    parser.add_argument("--throughput-children", type=int, default=200)
    parser.add_argument("--latency", type=float, default=0.1)
    parser.add_argument("--threads", type=int, default=64)
    parser.add_argument("--concurrency", type=int, default=8, help="threads per Celery worker")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--store", help="a shared store URL (default: fresh SQLite files)")
    parser.add_argument(
        "--postgres", action="store_true", help="start a throw-away PostgreSQL as the store"
    )
    args = parser.parse_args()
    if args.postgres:
        from soe_contrib_postgres.testing import TemporaryPostgres

        with TemporaryPostgres() as server:
            args.store = server.create_database("soe_fanout")
            print(f"store: PostgreSQL {args.store}")
            benchmark(args)
    else:
        benchmark(args)


def benchmark(args: argparse.Namespace) -> None:

    with tempfile.TemporaryDirectory() as folder:
        runs = iter(range(10**6))

        def store() -> str:
            return args.store or f"sqlite:///{Path(folder) / f'run{next(runs)}.db'}"

        shared = store()  # the workers' store, used by every Celery run
        n, latency = args.children, args.latency
        print(f"fan-out of {n} LLM calls of {latency * 1000:.0f} ms, median of {args.repeats}")
        sync = median_of(args.repeats, lambda: run_once(store(), n, "sync", {}, latency))
        print(f"  sync                    {sync:7.2f} s")
        options = {"max_workers": args.threads}
        threads = median_of(
            args.repeats, lambda: run_once(store(), n, "threads", options, latency)
        )
        print(f"  threads ({args.threads:>3})           {threads:7.2f} s")

        redis = TemporaryRedis().start()
        worker_args = [
            "--llm", "fake", "--llm-option", f"latency={latency}",
            "--concurrency", str(args.concurrency),
        ]
        workers = Workers(shared, redis.url, Path(folder), worker_args)
        celery = {"broker_url": redis.url}
        try:
            workers.start("w1")
            workers.start("w2")
            run_once(shared, 5, "celery", celery, latency)  # warm up connections
            two = median_of(args.repeats, lambda: run_once(shared, n, "celery", celery, latency))
            print(f"  celery, 2 workers x {args.concurrency:<3} {two:7.2f} s")

            big = args.throughput_children
            print(f"throughput, fan-out of {big} calls (LLM calls per second)")
            rates = {}
            for count in (2, 1):
                if count == 1:
                    workers.stop("w2")
                wall = median_of(
                    args.repeats, lambda: run_once(shared, big, "celery", celery, latency)
                )
                rates[count] = big / wall
                ideal = count * args.concurrency / latency
                print(
                    f"  {count} worker(s) x {args.concurrency}: {rates[count]:7.1f} calls/s "
                    f"(ideal {ideal:.0f})"
                )
            print(f"  2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")
        finally:
            workers.stop_all()
            redis.stop()


if __name__ == "__main__":
    main()
