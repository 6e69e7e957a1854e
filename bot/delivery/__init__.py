"""Delivery: who gets which story and when (outbox decisions, posting policy)."""
