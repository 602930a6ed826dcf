"""Conversation locks that several Rasa servers can share (Redis) or one can keep in memory."""
