"""Tenant resolution and provisioning shared by every service.

The tenant row is owned by accounts; every other service keeps a replica of it
(id, slug, schema, status, plan, limits) and a schema cloned from a migrated
base schema. See docs/architecture.md.
"""
