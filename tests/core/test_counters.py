"""REG-01/SVC-01 numbering: gap-free and safe under concurrent transactions."""

import threading

import pytest
from django.db import connection, transaction

from salesoffice.core.counters import counter_next
from salesoffice.core.models import Counter


@pytest.mark.django_db(transaction=True)
def test_concurrent_numbers_are_unique_and_gap_free():
    numbers: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def take():
        try:
            barrier.wait()
            for _ in range(5):
                with transaction.atomic():
                    number = counter_next(scope="reg:1")
                with lock:
                    numbers.append(number)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, 41))


@pytest.mark.django_db
def test_a_rolled_back_number_is_reused():
    with transaction.atomic():
        assert counter_next(scope="wo:1") == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        counter_next(scope="wo:1")
        raise RuntimeError("the caller failed")
    with transaction.atomic():
        assert counter_next(scope="wo:1") == 2
    assert Counter.objects.get(scope="wo:1").value == 2


@pytest.mark.django_db(transaction=True)
def test_numbers_outside_a_transaction_are_refused():
    with pytest.raises(RuntimeError):
        counter_next(scope="x")
