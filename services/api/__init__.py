"""The read API: articles, their entities and full-text search, served from PostgreSQL."""
