"""Code every Pocdex service installs: tenancy, tokens, events, errors, observability."""
