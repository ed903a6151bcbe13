"""Database plumbing shared by the registry and the stores: engine factory and migrations."""
