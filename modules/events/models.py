"""Data of the events module (filled by the module's issue)."""
