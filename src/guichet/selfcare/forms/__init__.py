"""The customer pages' forms, one module per portal section."""
