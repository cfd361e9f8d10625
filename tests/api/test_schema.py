"""The committed OpenAPI schema is the code's, and the live API keeps to it: schemathesis sends
what the schema allows (and what it does not) as a member of staff and as a manager, and no
answer is a 5xx or breaks the schema."""

from pathlib import Path

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from schemathesis import checks

from api.tokens import token_create
from tests.factories import CustomerFactory
from tests.interactions.factories import ComplaintFactory
from tests.interactions.factories_timeline import FollowUpFactory, InteractionFactory

COMMITTED = Path(__file__).resolve().parents[2] / "api" / "openapi.yaml"
EXAMPLES_PER_OPERATION = 30


def test_the_committed_schema_is_the_codes(tmp_path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(generated))
    assert generated.read_text() == COMMITTED.read_text(), (
        "The API changed: run `make schema` and commit api/openapi.yaml."
    )


def _book(user, others):
    """Something behind each kind of id, so that generated ids sometimes find a row."""
    for owner in (user, *others):
        customer = CustomerFactory(owner=owner)
        InteractionFactory(customer=customer, author=owner)
        ComplaintFactory(customer=customer, assignee=owner)
        FollowUpFactory(customer=customer, assignee=owner)


@pytest.mark.parametrize("role", ["staff", "manager"])
def test_the_live_api_keeps_to_its_schema(
    role, live_server, transactional_db, staff_user, manager_user, other_staff_user
):
    user = staff_user if role == "staff" else manager_user
    _book(user, [other_staff_user])
    _token, raw = token_create(user=user, name="schemathesis", scope="write")
    token = f"Bearer {raw}"
    schema = schemathesis.openapi.from_path(COMMITTED)
    wanted = [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
    ]
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            response = case.call(base_url=live_server.url, headers={"Authorization": token})
            case.validate_response(response, checks=wanted)

        try:
            run()
        except Exception as error:  # every operation is tried; all failures are reported
            failures.append(f"{operation.label}: {error}")
    assert failures == []
