"""TMF Open API endpoints over the same services and selectors."""
