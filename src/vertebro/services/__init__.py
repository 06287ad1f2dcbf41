"""Application services: one function per use case, called by every front door."""
