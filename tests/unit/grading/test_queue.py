"""How the queue's coordinator tells a service that is away from a grading that failed (dlcourse/grading/queue.py);
the services themselves are exercised in tests/test_scale_out.py."""

import pytest
import redis
import sqlalchemy.exc
from billiard.exceptions import TimeLimitExceeded
from kombu.exceptions import OperationalError

from dlcourse.grading import queue


@pytest.mark.parametrize(
    ("error", "service"),
    [
        (redis.exceptions.ConnectionError("Error 111 connecting"), "Redis"),
        (redis.exceptions.BusyLoadingError("loading the dataset in memory"), "Redis"),  # restarting with its file
        (OperationalError("network:ConnectionError"), "Redis"),
        (sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("connection refused")), "the gradebook"),
        (redis.exceptions.AuthenticationError("invalid password"), None),  # waiting does not mend a wrong password
        (redis.exceptions.ResponseError("WRONGTYPE"), None),
        (sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate key")), None),
        (ValueError("a bug"), None),
    ],
)
def test_only_connection_errors_are_waited_for(error, service):
    assert queue._unreachable(error) == service


@pytest.mark.parametrize(
    ("meta", "lost"),
    [
        ({"status": "FAILURE", "result": redis.exceptions.ConnectionError("Error 111")}, True),
        ({"status": "FAILURE", "result": {"exc_module": "kombu.exceptions", "exc_type": "OperationalError"}}, True),
        ({"status": "FAILURE", "result": {"exc_module": "celery.exceptions", "exc_type": "BackendStoreError"}}, True),
        ({"status": "FAILURE", "result": TimeLimitExceeded(600)}, False),  # the submission's own fault: FAILED, 0
        ({"status": "FAILURE", "result": ValueError("a bug")}, False),
        ({"status": "SUCCESS", "result": {"problems": [], "result": None, "files": {}}}, False),
    ],
)
def test_a_task_failed_by_a_redis_outage_is_graded_again_not_scored(meta, lost):
    assert queue._lost_to_an_outage(meta) is lost
