"""Demo data: the four personas and generated customers, created through the real services."""
