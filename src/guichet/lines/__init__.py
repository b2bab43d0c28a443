"""Lines (mobile and fixed), SIM, PUK, status lifecycle, subscriptions, equipment."""
