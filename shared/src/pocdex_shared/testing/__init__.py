"""Helpers for the services' tests and the end-to-end tests (not imported by services)."""
