"""Billing accounts, bill run, invoices, PDFs, bill advance, security deposit."""
