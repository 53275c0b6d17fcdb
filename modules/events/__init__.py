"""Events: registration, waiting list, check-in, calendar files."""
