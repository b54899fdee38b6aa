"""Sync with aggregator servers (Tiny Tiny RSS, the Google Reader API): headless."""
