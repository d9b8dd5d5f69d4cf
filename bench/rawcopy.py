"""The write-path reference of the benchmarks: the rows an operation wrote, written again in plain SQL.

``RawCopy`` reads back the rows one run of an operation left in the database (an activation, its
tasks and steps…) and writes copies of them — one multi-row ``INSERT`` per table, in one
transaction, through the database's own driver — so that a benchmark can time the same rows
written with nothing of the application around them, alternately with the operation, and print
the ratio. The copies get new primary keys and new values in their unique UUID columns, and their
references to rows copied in the same transaction point to the copies; every other value is the
original's, so the tables' indexes, foreign keys and checks do the same work.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import Any

from django.db import connection, models, transaction


class RawCopy:
    """``tables``: (model, primary keys of its rows to copy), parents before children."""

    def __init__(self, tables: Sequence[tuple[type[models.Model], Sequence[int]]]) -> None:
        self.plan: list[tuple[type[models.Model], list[models.Field], list[list[Any]]]] = []
        for model, pks in tables:
            fields = [f for f in model._meta.concrete_fields if not f.primary_key]
            rows = list(model.objects.filter(pk__in=list(pks)).order_by("pk").values_list("pk", *(f.attname for f in fields)))
            self.plan.append((model, fields, [list(r) for r in rows]))

    @property
    def rows(self) -> int:
        return sum(len(rows) for _m, _f, rows in self.plan)

    def _statements(self) -> list[tuple[type[models.Model], str, list[list[Any]], list[tuple[int, type[models.Model]]]]]:
        qn = connection.ops.quote_name
        out = []
        for model, fields, rows in self.plan:
            cols = ", ".join(qn(f.column) for f in fields)
            one = "(" + ", ".join(["%s"] * len(fields)) + ")"
            returning = f" RETURNING {qn(model._meta.pk.column)}"
            sql = f"INSERT INTO {qn(model._meta.db_table)} ({cols}) VALUES {', '.join([one] * len(rows))}{returning}"  # noqa: S608 - model names
            refs = [
                (k, f.related_model) for k, f in enumerate(fields) if f.is_relation and any(f.related_model is m for m, _f, _r in self.plan)
            ]
            out.append((model, sql, rows, refs))
        return out

    def write(self) -> float:
        """Write the copies once (committed); seconds from the first statement to the commit."""
        statements = self._statements()
        fresh = {}
        for model, fields, rows in self.plan:
            fresh[model] = [[uuid.uuid4() if _unique_uuid(f) else None for f in fields] for _r in rows]
        db_values: dict[type[models.Model], list[list[Any]]] = {}
        for model, fields, rows in self.plan:  # converted for the driver before the clock starts
            db_values[model] = [
                [
                    f.get_db_prep_save(new if new is not None else v, connection)
                    for f, v, new in zip(fields, r[1:], fresh[model][i], strict=True)
                ]
                for i, r in enumerate(rows)
            ]
        t = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cur:
            new_ids: dict[type[models.Model], dict[Any, Any]] = {}
            for model, sql, rows, refs in statements:
                values = db_values[model]
                for k, parent in refs:  # a reference to a copied row points to its copy
                    for v in values:
                        if v[k] is not None:
                            v[k] = new_ids[parent].get(v[k], v[k])
                if connection.vendor == "postgresql":
                    cur.execute(sql, [x for v in values for x in v])
                    ids = [r[0] for r in cur.fetchall()]
                else:  # SQLite: the write lock is held, so the new rows' ids are consecutive up to the last
                    cur.execute(sql.rsplit(" RETURNING ", 1)[0], [x for v in values for x in v])
                    cur.execute("SELECT last_insert_rowid()")
                    last = cur.fetchone()[0]
                    ids = list(range(last - len(values) + 1, last + 1))
                new_ids[model] = {r[0]: i for r, i in zip(rows, ids, strict=True)}
        return time.perf_counter() - t


def _unique_uuid(f: models.Field) -> bool:
    return isinstance(f, models.UUIDField) and f.unique
