"""The SQLite workflow backend: versions from the ``soe_counters`` row."""

from __future__ import annotations

from sqlalchemy import Text, bindparam, update

from .core.workflow import WorkflowBackend
from .database import Database
from .schema import WORKFLOW_VERSION, counters

EID = bindparam("eid", type_=Text)


class SqlWorkflowBackend(WorkflowBackend):
    """Registry and current workflow name of each execution (CORE-88).

    A save is one write transaction: take the next version from
    ``soe_counters`` (a database-wide counter, so a version is never
    reused, not even by another process writing the same file), then upsert.
    """

    def __init__(self, db: Database):
        super().__init__(db)
        w, r, c = db.tables.workflows, db.tables.workflow_registries, counters
        sql, upsert = db.compile, db.upsert
        self._next_version = sql(
            update(c)
            .where(c.c.name == WORKFLOW_VERSION)
            .values(value=c.c.value + 1)
            .returning(c.c.value)
        )
        bump = upsert(w).values(execution_id=EID, version=bindparam("version"))
        self._bump = sql(
            bump.on_conflict_do_update(
                index_elements=[w.c.execution_id], set_={"version": bump.excluded.version}
            )
        )
        named = upsert(w).values(
            execution_id=EID, version=bindparam("version"), current_name=bindparam("name")
        )
        self._save_named = sql(
            named.on_conflict_do_update(
                index_elements=[w.c.execution_id],
                set_={
                    "version": named.excluded.version,
                    "current_name": named.excluded.current_name,
                },
            )
        )
        registry = upsert(r).values(execution_id=EID, registry=bindparam("registry"))
        self._save_registry_row = sql(
            registry.on_conflict_do_update(
                index_elements=[r.c.execution_id], set_={"registry": registry.excluded.registry}
            )
        )

    def _save_registry(self, id: str, text: str) -> None:
        db = self.db
        with db.write():
            values = {"eid": id, "registry": text, "version": self._next()}
            db.execute(self._save_registry_row, values)
            db.execute(self._bump, values)

    def _save_name(self, id: str, name: str) -> None:
        with self.db.write():
            values = {"eid": id, "name": name, "version": self._next()}
            self.db.execute(self._save_named, values)

    def _next(self) -> int:
        return self.db.fetchone(self._next_version)[0]
