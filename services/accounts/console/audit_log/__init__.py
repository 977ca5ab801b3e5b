"""Console area: audit_log."""
