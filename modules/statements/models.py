"""Data of the statements module (filled by the module's issue)."""
