"""The workflow backend: registries, current names and a version for the kernel's cache."""

from __future__ import annotations

from sqlalchemy import Text, bindparam, delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert

from .compiled import Sql
from .database import Database
from .jsontext import dumps, loads
from .schema import workflow_registries, workflow_versions, workflows

EID = bindparam("eid", type_=Text)


class PostgresWorkflowBackend:
    """Registry and current workflow name of each execution (CORE-88).

    Every save takes the next value of the ``soe_workflow_versions``
    sequence as the execution's version, so :meth:`workflows_version` is one
    indexed SELECT and a version is never reused, not even after
    ``cleanup_all`` or by another process. Each save is one statement.
    """

    def __init__(self, db: Database):
        self.db = db
        w, r = workflows, workflow_registries
        registry = pg_insert(r).values(execution_id=EID, registry=bindparam("registry", type_=Text))
        saved = registry.on_conflict_do_update(
            index_elements=[r.c.execution_id], set_={"registry": registry.excluded.registry}
        ).returning(r.c.execution_id)
        saved = saved.cte("saved")
        bump = pg_insert(w).from_select(
            ["execution_id", "version"],
            select(saved.c.execution_id, workflow_versions.next_value()),
        )
        self._save_registry = Sql(
            bump.on_conflict_do_update(
                index_elements=[w.c.execution_id], set_={"version": bump.excluded.version}
            )
        )
        named = pg_insert(w).values(
            execution_id=EID,
            version=workflow_versions.next_value(),
            current_name=bindparam("name", type_=Text),
        )
        self._save_name = Sql(
            named.on_conflict_do_update(
                index_elements=[w.c.execution_id],
                set_={
                    "version": named.excluded.version,
                    "current_name": named.excluded.current_name,
                },
            )
        )
        self._registry = Sql(select(r.c.registry).where(r.c.execution_id == EID))
        self._name = Sql(select(w.c.current_name).where(w.c.execution_id == EID))
        self._version = Sql(select(w.c.version).where(w.c.execution_id == EID))
        self._delete = [Sql(delete(t).where(t.c.execution_id == EID)) for t in (w, r)]
        self._cleanup = [Sql(delete(w)), Sql(delete(r))]

    def save_workflows_registry(self, id: str, workflows: dict) -> None:
        self.db.execute(self._save_registry, {"eid": id, "registry": dumps(workflows)})

    def get_workflows_registry(self, id: str) -> dict | None:
        row = self.db.fetchone(self._registry, {"eid": id})
        return None if row is None else loads(row[0])

    def save_current_workflow_name(self, id: str, name: str) -> None:
        self.db.execute(self._save_name, {"eid": id, "name": str(name)})

    def get_current_workflow_name(self, id: str) -> str:
        row = self.db.fetchone(self._name, {"eid": id})
        return "" if row is None or row[0] is None else row[0]

    def workflows_version(self, id: str) -> int:
        """Changes on every save of the registry or current name of ``id``."""
        row = self.db.fetchone(self._version, {"eid": id})
        return 0 if row is None else row[0]

    def delete_workflows(self, execution_id: str) -> bool:
        """Delete the registry and current name of one execution (pruning)."""
        with self.db.write():
            counts = [self.db.execute(s, {"eid": execution_id}) for s in self._delete]
        return any(counts)

    def cleanup_all(self) -> None:
        with self.db.write():
            for statement in self._cleanup:
                self.db.execute(statement)
