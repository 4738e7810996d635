"""Server-side prepared statements for the hottest reads (P1).

PostgreSQL plans a statement each time it receives one; for the counter's lookup by phone, planning
(joins over tables with many indexes) costs the database about twenty times more than running it. A
statement prepared once per connection is planned once, then only run. Use it for statements whose
conditions are equalities: a generic plan cannot use an index for a ``LIKE`` pattern it has not seen.
The statements live as long as the connection; a new connection prepares them again."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.db import connection

_ATTRIBUTE = "_salesoffice_prepared"
_PLACEHOLDER = re.compile(r"%s")
_EXECUTE = re.compile(r"\s*EXECUTE (\w+)\(")
_TEXTS: dict[str, str] = {}


def fetch_prepared(name: str, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``sql`` (``%s`` placeholders) with ``params``, prepared under ``name`` on
    PostgreSQL; a plain query on other databases."""
    _TEXTS[name] = sql
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchall()
        if name not in _prepared_names():
            numbers = iter(range(1, len(params) + 1))
            cursor.execute(f"PREPARE {name} AS {_PLACEHOLDER.sub(lambda _match: f'${next(numbers)}', sql)}")
            _prepared_names().add(name)
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        return cursor.fetchall()


def _prepared_names() -> set[str]:
    """The names prepared on the current connection (PREPARE outlives a rolled-back transaction,
    not the connection)."""
    raw = connection.connection
    known = getattr(connection, _ATTRIBUTE, None)
    if known is None or known[0] is not raw:
        known = (raw, set())
        setattr(connection, _ATTRIBUTE, known)
    return known[1]


def statement_text(sql: str) -> str:
    """The SQL a statement runs: for ``EXECUTE name(...)``, the text prepared under that name (query
    plan checks read it to know which tables a prepared statement touches)."""
    match = _EXECUTE.match(sql)
    return _TEXTS.get(match[1], sql) if match else sql
