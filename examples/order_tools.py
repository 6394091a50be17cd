"""Tools for examples/order_pipeline.yaml (loaded with ``--tools examples/order_tools.py``)."""

TAX_RATE = 0.2
REVIEW_ABOVE = 100


def price(id: str, amount: float) -> dict:
    """Price one order: add tax and flag large ones for review."""
    total = round(amount * (1 + TAX_RATE), 2)
    return {"id": id, "total": total, "review": total > REVIEW_ABOVE}


def summarize(priced: list) -> dict:
    """Receives the whole history of `priced` (process_accumulated)."""
    return {
        "orders": len(priced),
        "total": round(sum(item["total"] for item in priced), 2),
        "flagged": sum(1 for item in priced if item["review"]),
    }


TOOLS = {
    "price": price,
    "summarize": {"function": summarize, "process_accumulated": True},
}
