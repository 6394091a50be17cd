"""The workflow backend: registries, current names and a version for the kernel's cache."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .database import Database
from .engine import dumps, loads
from .schema import WORKFLOW_VERSION, counters, workflow_registries, workflows


class SqlWorkflowBackend:
    """Registry and current workflow name of each execution (CORE-88).

    Every save takes a new value of a database-wide counter as the
    execution's ``version``, so :meth:`workflows_version` is one indexed
    SELECT and a version is never reused, not even after ``cleanup_all`` or
    by another process writing the same file. The registry lives in its own
    table: a large one would otherwise be read (its overflow pages walked)
    by every version lookup, and rewritten by every change of name.
    """

    def __init__(self, db: Database):
        self.db = db
        w, r, c = workflows, workflow_registries, counters
        eid = bindparam("eid")
        sql = db.compile
        self._next_version = sql(
            update(c)
            .where(c.c.name == WORKFLOW_VERSION)
            .values(value=c.c.value + 1)
            .returning(c.c.value)
        )
        bump = sqlite_insert(w).values(execution_id=eid, version=bindparam("version"))
        self._bump = sql(
            bump.on_conflict_do_update(
                index_elements=[w.c.execution_id], set_={"version": bump.excluded.version}
            )
        )
        named = sqlite_insert(w).values(
            execution_id=eid, version=bindparam("version"), current_name=bindparam("name")
        )
        self._save_name = sql(
            named.on_conflict_do_update(
                index_elements=[w.c.execution_id],
                set_={
                    "version": named.excluded.version,
                    "current_name": named.excluded.current_name,
                },
            )
        )
        registry = sqlite_insert(r).values(execution_id=eid, registry=bindparam("registry"))
        self._save_registry = sql(
            registry.on_conflict_do_update(
                index_elements=[r.c.execution_id], set_={"registry": registry.excluded.registry}
            )
        )
        self._registry = sql(select(r.c.registry).where(r.c.execution_id == eid))
        self._name = sql(select(w.c.current_name).where(w.c.execution_id == eid))
        self._version = sql(select(w.c.version).where(w.c.execution_id == eid))
        self._delete = [
            sql(delete(w).where(w.c.execution_id == eid)),
            sql(delete(r).where(r.c.execution_id == eid)),
        ]
        self._cleanup = [sql(delete(w)), sql(delete(r))]

    def _next(self, connection: Any) -> int:
        statement = self._next_version
        return connection.execute(statement.text, statement.args({})).fetchone()[0]

    def save_workflows_registry(self, id: str, workflows: dict) -> None:
        text = dumps(workflows)
        with self.db.write() as connection:
            values = {"eid": id, "registry": text, "version": self._next(connection)}
            connection.execute(self._save_registry.text, self._save_registry.args(values))
            connection.execute(self._bump.text, self._bump.args(values))

    def get_workflows_registry(self, id: str) -> dict | None:
        row = self.db.fetchone(self._registry, {"eid": id})
        return None if row is None else loads(row[0])

    def save_current_workflow_name(self, id: str, name: str) -> None:
        with self.db.write() as connection:
            values = {"eid": id, "name": str(name), "version": self._next(connection)}
            connection.execute(self._save_name.text, self._save_name.args(values))

    def get_current_workflow_name(self, id: str) -> str:
        row = self.db.fetchone(self._name, {"eid": id})
        return "" if row is None or row[0] is None else row[0]

    def workflows_version(self, id: str) -> int:
        """Changes on every save of the registry or current name of ``id``."""
        row = self.db.fetchone(self._version, {"eid": id})
        return 0 if row is None else row[0]

    def delete_workflows(self, id: str) -> None:
        """Delete the registry and current name; the version drops to 0 (never reused)."""
        with self.db.write() as connection:
            for statement in self._delete:
                connection.execute(statement.text, statement.args({"eid": id}))

    def cleanup_all(self) -> None:
        with self.db.write() as connection:
            for statement in self._cleanup:
                connection.execute(statement.text, statement.args({}))
