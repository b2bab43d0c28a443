"""Card payments through a PSP, SEPA mandates, instalment plans, dunning."""
