"""The built-in operator page served at ``/``: static files, no build step."""
