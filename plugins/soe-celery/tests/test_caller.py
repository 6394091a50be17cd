"""The celery caller's checks and registration; none needs a broker."""

from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

import pytest
import soe_celery.hooks
from soe_celery import CeleryCallerError, WaitTimeout, build_celery_caller, serve
from soe_celery.waiting import wait_until_done

from soe_core import create_all_nodes, get_registry, open_backends, orchestrate

from .flows import FAN_OUT, questions


def test_registered_as_caller_celery_with_a_worker():
    caller = get_registry().caller("celery")
    assert caller.build is soe_celery.hooks.build_celery_caller  # imports celery lazily
    assert caller.serve is soe_celery.hooks.serve
    assert callable(build_celery_caller) and callable(serve)


def test_a_store_without_journal_is_refused():
    with pytest.raises(CeleryCallerError, match="needs a store with a journal"):
        create_all_nodes(open_backends("memory://"), caller="celery")


def test_a_worker_on_a_store_without_journal_is_refused_before_it_starts():
    @contextmanager
    def connect():
        yield SimpleNamespace(backends=open_backends("memory://"), nodes={})

    with pytest.raises(CeleryCallerError, match="needs a store with a journal"):
        serve(connect, broker_url="redis://127.0.0.1:1/0")


def test_waiting_gives_up_after_the_timeout(tmp_path):
    backends = open_backends(f"sqlite:///{tmp_path / 'soe.db'}")
    execution_id = orchestrate(FAN_OUT, "main", ["START"], questions(1), backends, lambda *_: None)
    job = {"kind": "deliver", "signals": ["START"]}
    backends.journal.commit(execution_id, None, [(execution_id, job)])  # nobody runs it
    with pytest.raises(WaitTimeout, match="still has work pending"):
        wait_until_done(backends.journal, execution_id, timeout=0.05)
    backends.close()
