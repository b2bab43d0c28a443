"""Plans, options, top-ups, fees, tariff zones and rates, loaded from the brochure data files."""
