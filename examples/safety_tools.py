"""Tools for examples/safety_rails.yaml (loaded with ``--tools examples/safety_tools.py``)."""

MAX_ITEM_PRICE = 1000


def score_order(items: list, budget: float) -> dict:
    """Total an order; raise on a negative price (the registry retries, then fails)."""
    for item in items:
        if item["price"] < 0:
            raise ValueError(f"negative price for {item['name']!r}")
    total = round(sum(item["price"] for item in items), 2)
    return {"total": total, "budget": budget, "share": round(total / budget, 4)}


def report_problem(signal: str, detail: str = "") -> dict:
    """The one error handler: records which rail tripped and why."""
    return {"signal": signal, "detail": detail}


TOOLS = {
    "score_order": {
        "function": score_order,
        "max_retries": 2,  # 3 attempts in all
        "failure_signal": "SCORE_FAILED",
    },
    "report_problem": report_problem,
}
