"""The PostgreSQL workflow backend: each save is one statement."""

from __future__ import annotations

from soe_backends_sql.core.workflow import EID, WorkflowBackend
from sqlalchemy import Text, bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .database import Database
from .schema import workflow_versions


class PostgresWorkflowBackend(WorkflowBackend):
    """Registry and current workflow name of each execution (CORE-88).

    A save takes the next value of the ``soe_workflow_versions`` sequence
    as the execution's version, in the same statement.
    """

    def __init__(self, db: Database):
        super().__init__(db)
        w, r = db.tables.workflows, db.tables.workflow_registries
        registry = pg_insert(r).values(execution_id=EID, registry=bindparam("registry", type_=Text))
        saved = registry.on_conflict_do_update(
            index_elements=[r.c.execution_id], set_={"registry": registry.excluded.registry}
        ).returning(r.c.execution_id)
        saved = saved.cte("saved")
        bump = pg_insert(w).from_select(
            ["execution_id", "version"],
            select(saved.c.execution_id, workflow_versions.next_value()),
        )
        self._save_registry_row = db.compile(
            bump.on_conflict_do_update(
                index_elements=[w.c.execution_id], set_={"version": bump.excluded.version}
            )
        )
        named = pg_insert(w).values(
            execution_id=EID,
            version=workflow_versions.next_value(),
            current_name=bindparam("name", type_=Text),
        )
        self._save_named = db.compile(
            named.on_conflict_do_update(
                index_elements=[w.c.execution_id],
                set_={
                    "version": named.excluded.version,
                    "current_name": named.excluded.current_name,
                },
            )
        )

    def _save_registry(self, id: str, text: str) -> None:
        self.db.execute(self._save_registry_row, {"eid": id, "registry": text})

    def _save_name(self, id: str, name: str) -> None:
        self.db.execute(self._save_named, {"eid": id, "name": name})
