"""Acts of the payments context, one module per part (card, direct debit, instalments,
dunning): import them from their module, `guichet.payments.services.<part>`."""
