"""The ingest pipeline: topic > device > codec > typed records > batch > store > observers."""
