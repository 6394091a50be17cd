"""Tools for examples/multi_phase.yaml (loaded with ``--tools examples/phase_tools.py``)."""


def note(text: str) -> str:
    """Phase 1: record one finding (each call appends to the `notes` history)."""
    return text.strip()


def compile_report(notes: list) -> dict:
    """Phase 2: receives the whole `notes` history (process_accumulated)."""
    return {"count": len(notes), "notes": list(notes)}


TOOLS = {
    "note": note,
    "compile_report": {"function": compile_report, "process_accumulated": True},
}
