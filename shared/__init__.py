"""Contracts and plumbing shared by every Newsflow service: messages, stream names, settings, broker helpers."""
