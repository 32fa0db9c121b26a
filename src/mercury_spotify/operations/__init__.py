"""Operations beside the pipeline: run lock, backups, roles, scheduling."""
