"""The NLP service: entity extraction and country resolution, run as a stream worker."""
