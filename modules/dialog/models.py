"""Data of the dialog module (filled by the module's issue)."""
