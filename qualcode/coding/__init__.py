"""Machine coding: rules (spaCy matchers), later a classifier and topic models."""
