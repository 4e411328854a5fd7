"""The store worker: persists submitted articles and their enrichments from the streams into PostgreSQL."""
