"""Use cases: translate database rows to and from the ranking core."""
