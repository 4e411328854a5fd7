"""The four deployable services of Newsflow: ingest, nlp, store, api."""
