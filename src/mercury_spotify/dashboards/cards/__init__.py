"""The cards of each dashboard, one module per dashboard, plus the SQL and columns they share."""
