"""Newsflow's command-line front door: `newsflow up`, `newsflow ingest`, `newsflow extract`."""
