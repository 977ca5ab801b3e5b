"""``Caller``: one type for who is calling, built the same from every path in."""

from __future__ import annotations

import uuid

import pytest

from pocdex_shared.callers import Caller
from pocdex_shared.jwt import get_verifier
from tests.keys import access_token


@pytest.mark.parametrize(
    ("role", "admin", "owner"),
    [("owner", True, True), ("admin", True, False), ("member", False, False), (None, False, False)],
)
def test_roles_decide_admin_and_owner_in_one_place(
    role: str | None, admin: bool, owner: bool
) -> None:
    caller = Caller.acting_for(person_id=uuid.uuid4(), tenant_id=uuid.uuid4(), role=role)
    assert (caller.is_admin, caller.is_owner) == (admin, owner)
    assert caller.role == (role or "member")


def test_a_verified_token_gives_the_person_tenant_role_name_and_session() -> None:
    person, tenant = uuid.uuid4(), uuid.uuid4()
    token = get_verifier().verify(
        access_token(
            tenant_id=str(tenant), subject=str(person), role="admin", name="  Ada  ", sid="s-1"
        )
    )
    caller = Caller.from_token(token)
    assert (caller.id, caller.tenant_id, caller.role) == (person, tenant, "admin")
    assert (caller.name, caller.session_id, caller.token_id) == ("Ada", "s-1", token.token_id)
    assert caller.pk == str(person)
    assert caller.is_authenticated and not caller.is_anonymous


def test_a_websocket_ticket_gives_the_same_caller_as_its_token() -> None:
    person, tenant = uuid.uuid4(), uuid.uuid4()
    data = {
        "sub": str(person),
        "tid": str(tenant),
        "role": "owner",
        "jti": "j-1",
        "sid": "s-2",
        "extra": {"name": "x" * 300},
    }
    caller = Caller.from_ticket(data)
    assert caller == Caller(
        id=person,
        tenant_id=tenant,
        role="owner",
        name="x" * 150,
        session_id="s-2",
        token_id="j-1",
    )
    assert caller.as_json() == {"id": str(person), "name": "x" * 150}


def test_a_caller_named_by_an_internal_request_has_no_tenant_row_to_lean_on() -> None:
    caller = Caller.acting_for(person_id=str(uuid.uuid4()), tenant_id=uuid.uuid4(), role="")
    assert caller.role == "member"
    with pytest.raises(LookupError):
        caller.require_tenant()
