"""Reading Spotify's privacy export: ZIPs, folders and JSON files, detected by their records' keys."""
