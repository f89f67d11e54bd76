"""Settings and the organisation file."""
