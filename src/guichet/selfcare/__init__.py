"""The customer web pages: five sections, act registry, act finder, unpaid banner."""
