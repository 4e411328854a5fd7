"""Event extraction: who did what to whom, where and when, from a parsed spaCy Doc.

`extract_events(doc, published_at)` is the entry point; `REQUIRED_COMPONENTS` lists the pipeline components
it needs enabled. See `coder.py` for the rules and `actors.py` for actor coding.
"""

from services.nlp.events.coder import REQUIRED_COMPONENTS, extract_events

__all__ = ["REQUIRED_COMPONENTS", "extract_events"]
