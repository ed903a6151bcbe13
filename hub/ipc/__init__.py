"""Between the front process and its ingest workers: typed signals and the channel that
carries them."""
