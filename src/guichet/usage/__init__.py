"""Usage records: files in, rated usage out, through the pure core `guichet.rating`."""
