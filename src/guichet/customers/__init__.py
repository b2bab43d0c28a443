"""People: identity, credentials, addresses, contact preferences, directory listing."""
