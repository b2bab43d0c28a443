"""Guichet: self-care portal and BSS core for mobile and fixed telecom operators."""
