"""SHARED test app: the concrete tenant replica and its domain, as a replica service has them."""
