"""Console area: preferences."""
