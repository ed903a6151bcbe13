"""Helpers for tests: private brokers, throwaway databases, waiting without sleeping."""
