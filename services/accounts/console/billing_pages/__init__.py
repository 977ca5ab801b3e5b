"""Console area: billing_pages."""
