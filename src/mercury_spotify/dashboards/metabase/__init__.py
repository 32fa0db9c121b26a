"""Metabase as a second renderer of the dashboard definition, through its REST API."""
