"""The Pocdex AWS footprint as a CDK app: one module per component, one stage per environment."""
