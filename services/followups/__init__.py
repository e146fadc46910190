"""Keeping pairs alive: contacts, concerns, reminders, escalation, local contacts, feedback."""
