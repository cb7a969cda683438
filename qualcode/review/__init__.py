"""Reviewing: queues, decisions and agreement statistics."""
