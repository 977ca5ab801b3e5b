"""Console area: overview."""
