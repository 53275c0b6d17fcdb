"""Tenancy: which state's portal a request belongs to. Knows nothing of pages or modules."""
