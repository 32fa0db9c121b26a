"""The main job, step by step: import an export, build the warehouse, summarize."""
