"""Participation modules. Each is one Django app; modules never import each other."""
