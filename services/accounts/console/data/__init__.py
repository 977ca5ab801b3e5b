"""Console area: data."""
