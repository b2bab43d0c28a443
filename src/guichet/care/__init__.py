"""Orders, requests (démarches), trouble tickets, activity log, notification outbox."""
