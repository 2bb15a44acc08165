"""Faults (database outage, SIGTERM) and bad input: each is survived, and nothing is lost or changed."""
