"""Console area: members."""
