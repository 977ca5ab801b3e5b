"""TENANT test app: one table that lives in every tenant schema (and the base schema)."""
