"""Tools the test workers load (``soe worker --tools fanout_tools.py``)."""


def label(question, answer):
    return f"{question}={answer}"


TOOLS = {"label": label}
