"""Server-side prepared statements (P1): prepared once per connection, prepared again on a new one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesoffice.core.prepared import fetch_prepared, statement_text

pytestmark = pytest.mark.django_db(transaction=True)

SQL = "SELECT %s::int + %s::int, %s::text"


def _statements(run):
    with CaptureQueriesContext(connection) as captured:
        result = run()
    return result, [query["sql"].split(" ", 1)[0] for query in captured.captured_queries]


def test_prepared_once_per_connection_and_again_after_a_reconnect():
    first, sent = _statements(lambda: fetch_prepared("test_sum", SQL, [1, 2, "a'b"]))
    assert (first, sent) == ([(3, "a'b")], ["PREPARE", "EXECUTE"])
    second, sent = _statements(lambda: fetch_prepared("test_sum", SQL, [40, 2, "x"]))
    assert (second, sent) == ([(42, "x")], ["EXECUTE"])
    connection.close()
    third, sent = _statements(lambda: fetch_prepared("test_sum", SQL, [1, 1, "y"]))
    assert (third, sent) == ([(2, "y")], ["PREPARE", "EXECUTE"])


def test_a_prepared_statement_outlives_a_rolled_back_transaction():
    from django.db import transaction

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback), transaction.atomic():
        fetch_prepared("test_rolled_back", SQL, [1, 2, "a"])
        raise Rollback
    assert fetch_prepared("test_rolled_back", SQL, [2, 2, "b"]) == [(4, "b")]


def test_plan_checks_read_the_text_behind_execute():
    fetch_prepared("test_text", SQL, [1, 2, "a"])
    assert statement_text("EXECUTE test_text(1, 2, 'a')") == SQL
    assert statement_text("SELECT 1") == "SELECT 1"
