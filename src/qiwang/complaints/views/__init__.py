"""Pages of the complaints app (one module per page family)."""
