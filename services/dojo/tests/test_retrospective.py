"""A retrospective added to the linked POC's learnings is written with the rights of
the person who attaches it (dojos.learnings).

pocs and accounts are stood in for at their HTTP boundary by one small server
that issues the service token, records what dojo sends and answers as pocs
does; pocs' side of the rule (its edit rules on the internal endpoint) is
tested in services/pocs/tests/test_internal_api.py.
"""

from __future__ import annotations

import json
import threading
import uuid
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.test import override_settings

from dojos import learnings
from dojos.models import Dojo

from .conftest import Member, error_code

pytestmark = pytest.mark.django_db

CreateDojo = Callable[..., dict[str, Any]]


class FakePocs(BaseHTTPRequestHandler):
    """accounts' service-token endpoint and pocs' learnings endpoint."""

    # Who may edit each POC, as pocs' rules would say: POC id -> member ids.
    editors: dict[str, set[str]] = {}
    calls: list[tuple[str, dict[str, Any]]] = []

    def log_message(self, *args: Any) -> None:
        return

    def _send(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/internal/v1/service-tokens":
            self._send(200, {"access": f"token-for-{body['audience']}", "expires_in": 300})
            return
        self.calls.append((self.path, body))
        poc_id = self.path.rstrip("/").split("/")[-2]
        if poc_id not in self.editors:
            self._send(404, {"error": {"code": "poc_not_found", "message": "no"}})
        elif body["author"] in self.editors[poc_id] or body.get("role") in {"owner", "admin"}:
            self._send(201, {"id": str(uuid.uuid4()), "learnings": body["text"]})
        else:
            self._send(403, {"error": {"code": "permission_denied", "message": "no"}})


@pytest.fixture
def pocs() -> Iterator[type[FakePocs]]:
    FakePocs.editors, FakePocs.calls = {}, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakePocs)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    learnings._provider = None
    with override_settings(ACCOUNTS_URL=url, POCS_URL=url):
        yield FakePocs
    learnings._provider = None
    server.shutdown()


def ended_dojo(create_dojo: CreateDojo, facilitator: Member, poc_id: str, *people: Member) -> str:
    dojo = create_dojo(facilitator, poc_id=poc_id)
    for person in people:
        assert person.client.post(f"/api/v1/dojos/{dojo['id']}/join").status_code == 200
    assert facilitator.client.post(f"/api/v1/dojos/{dojo['id']}/start").status_code == 200
    assert facilitator.client.post(f"/api/v1/dojos/{dojo['id']}/end").status_code == 200
    return str(dojo["id"])


def test_the_retrospective_goes_to_the_poc_with_the_rights_of_who_attaches_it(
    org: Any,
    ana: Member,
    bruno: Member,
    admin: Member,
    create_dojo: CreateDojo,
    pocs: type[FakePocs],
) -> None:
    poc_id = str(uuid.uuid4())
    pocs.editors[poc_id] = {str(ana.id)}  # Ana's POC; Bruno may not edit it
    dojo_id = ended_dojo(create_dojo, ana, poc_id, bruno)
    url = f"/api/v1/dojos/{dojo_id}/retrospective"
    body = {"notes": "Aprendemos a rodar o piloto.", "attach_to_poc": True}

    refused = bruno.client.put(url, body, format="json")
    assert refused.status_code == 403, refused.content
    assert error_code(refused) == "poc_edit_denied"
    path, sent = pocs.calls[-1]
    assert path == f"/internal/v1/tenants/{org.id}/pocs/{poc_id}/learnings"
    assert (sent["author"], sent["role"], sent["source_id"]) == (str(bruno.id), "member", dojo_id)
    with bruno.data():
        dojo = Dojo.objects.get(id=dojo_id)
    assert dojo.retrospective == "Aprendemos a rodar o piloto."  # kept in the dojo
    assert dojo.retrospective_attached_at is None

    by_admin = admin.client.put(url, body, format="json")
    assert by_admin.status_code == 200, by_admin.content
    assert (pocs.calls[-1][1]["author"], pocs.calls[-1][1]["role"]) == (str(admin.id), "admin")
    assert by_admin.json()["retrospective"]["attached_to_poc_at"] is not None

    portuguese = bruno.client.put(url, body, format="json", HTTP_ACCEPT_LANGUAGE="pt-BR")
    assert portuguese.json()["error"]["message"].startswith("Só o autor do POC")


def test_a_poc_named_from_another_organization_is_never_reached(
    org: Any, ana: Member, outsider: Member, create_dojo: CreateDojo, pocs: type[FakePocs]
) -> None:
    # The link is only an id: the write is asked for in the dojo's organization,
    # where pocs does not find another organization's POC.
    theirs = str(uuid.uuid4())
    dojo_id = ended_dojo(create_dojo, ana, theirs)
    body = {"notes": "Notas.", "attach_to_poc": True}
    response = ana.client.put(f"/api/v1/dojos/{dojo_id}/retrospective", body, format="json")
    assert response.status_code == 409, response.content
    assert error_code(response) == "linked_poc_not_found"
    assert [path for path, _body in pocs.calls] == [
        f"/internal/v1/tenants/{org.id}/pocs/{theirs}/learnings"
    ]
    assert str(outsider.tenant.id) not in pocs.calls[0][0]
