"""``dispatch.run_one``: one task, its follow-ups returned instead of run (distributed callers)."""

from __future__ import annotations

from soe_core import dispatch


def test_run_one_returns_the_follow_ups_in_order_without_running_them():
    ran: list[str] = []

    def follow_up(name):
        return lambda: ran.append(name)

    def first():
        ran.append("first")
        dispatch.submit(follow_up("a"))
        dispatch.submit(follow_up("b"))

    batch = dispatch.run_one(first)
    assert ran == ["first"]
    for task in batch:
        task()
    assert ran == ["first", "a", "b"]
    assert dispatch.current_loop() is None


def test_run_one_restores_the_enclosing_loop_and_counts_steps():
    seen: list = []

    def inner():
        seen.append(dispatch.count_step("e"))

    def outer():
        loop = dispatch.current_loop()
        assert dispatch.run_one(inner) == []
        seen.append(dispatch.current_loop() is loop)

    dispatch.run(outer)
    assert seen == [1, True]


def test_run_one_restores_the_state_when_the_task_fails():
    def failing():
        dispatch.submit(lambda: None)
        raise ValueError("boom")

    try:
        dispatch.run_one(failing)
    except ValueError:
        pass
    assert dispatch.current_loop() is None
    assert dispatch.count_step("e") == 0  # no loop is running
