"""The workflow backend's reads and deletes; a dialect writes the saves (CORE-88).

Every save gives the execution a new ``version``, taken from a
database-wide counter, so :meth:`WorkflowBackend.workflows_version` is one
indexed SELECT and a version is never reused, not even after
``cleanup_all`` or by another process. The registry lives in its own
table: a large one would otherwise be read by every version lookup and
rewritten by every change of name.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text, bindparam, delete, select

from .codec import dumps, loads

EID = bindparam("eid", type_=Text)


class WorkflowBackend:
    """Registry and current workflow name of each execution.

    A dialect implements ``_save_registry(id, text)`` and
    ``_save_name(id, name)``, each giving the execution a new version.
    """

    def __init__(self, db: Any):
        self.db = db
        w, r = db.tables.workflows, db.tables.workflow_registries
        sql = db.compile
        self._registry = sql(select(r.c.registry).where(r.c.execution_id == EID))
        self._name = sql(select(w.c.current_name).where(w.c.execution_id == EID))
        self._version = sql(select(w.c.version).where(w.c.execution_id == EID))
        self._delete = [sql(delete(t).where(t.c.execution_id == EID)) for t in (w, r)]
        self._cleanup = [sql(delete(w)), sql(delete(r))]

    def save_workflows_registry(self, id: str, workflows: dict) -> None:
        self._save_registry(id, dumps(workflows))

    def get_workflows_registry(self, id: str) -> dict | None:
        row = self.db.fetchone(self._registry, {"eid": id})
        return None if row is None else loads(row[0])

    def save_current_workflow_name(self, id: str, name: str) -> None:
        self._save_name(id, str(name))

    def get_current_workflow_name(self, id: str) -> str:
        row = self.db.fetchone(self._name, {"eid": id})
        return "" if row is None or row[0] is None else row[0]

    def workflows_version(self, id: str) -> int:
        """Changes on every save of the registry or current name of ``id``."""
        row = self.db.fetchone(self._version, {"eid": id})
        return 0 if row is None else row[0]

    def delete_workflows(self, id: str) -> bool:
        """Delete the registry and current name (the version drops to 0, never reused)."""
        with self.db.write():
            counts = [self.db.execute(statement, {"eid": id}) for statement in self._delete]
        return any(counts)

    def cleanup_all(self) -> None:
        with self.db.write():
            for statement in self._cleanup:
                self.db.execute(statement)

    def _save_registry(self, id: str, text: str) -> None:
        raise NotImplementedError

    def _save_name(self, id: str, name: str) -> None:
        raise NotImplementedError
