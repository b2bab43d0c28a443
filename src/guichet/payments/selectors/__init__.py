"""Reads of the payments context, one module per part: `guichet.payments.selectors.<part>`."""
