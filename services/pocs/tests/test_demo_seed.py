"""seed_demo_pocs runs at every start: it must be a no-op unless the demo organization is new."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from registry.demo_data import DEMO_POCS
from registry.models import Poc
from vocabulary.catalog import catalog

pytestmark = pytest.mark.django_db


def _seed() -> str:
    out = StringIO()
    call_command("seed_demo_pocs", stdout=out, stderr=StringIO())
    return out.getvalue()


def test_without_the_demo_replica_nothing_is_seeded():
    assert _seed() == "Demo POCs: the demo organization is not provisioned here yet.\n"


def test_a_demo_organization_that_has_pocs_is_left_alone(make_tenant, make_member, create_poc):
    demo = make_tenant(slug="demo")
    member = make_member(demo)
    create_poc(member)
    assert _seed() == "Demo POCs: 1 in the demo organization.\n"
    with member.data():
        assert Poc.objects.count() == 1


def test_demo_data_is_sixty_pocs_whose_languages_are_all_in_the_vocabulary():
    assert len(DEMO_POCS) == 60
    vocabulary = catalog()
    for _name, _summary, status, outcome, languages, _tags, _private in DEMO_POCS:
        assert status in {"idea", "in_progress", "done", "abandoned"}
        assert outcome in {"", "validated", "invalidated", "inconclusive"}
        for language in languages:
            vocabulary.resolve(language)
