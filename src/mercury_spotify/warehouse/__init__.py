"""The warehouse: connections, the raw landing schema, landing, and the run log."""
