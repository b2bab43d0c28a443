"""The payments context's tables, one module per part (card payments, SEPA direct debit,
instalment plans, dunning); each is imported here so that Django finds its models."""

from guichet.payments.models import dunning  # noqa: F401 (registers its models)
