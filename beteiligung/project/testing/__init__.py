"""Test helpers shared by the suite (and by projects that embed the library)."""
