"""The Spotify Web API source: authorization, recently played, and metadata enrichment."""
