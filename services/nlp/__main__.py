"""`python -m services.nlp`: run one NLP worker (consumes `articles.submitted`, produces `articles.enriched`)."""

from services.nlp.main import create_app
from services.nlp.settings import NlpSettings
from shared.logging import setup_logging
from shared.worker import serve


def main() -> None:
    settings = NlpSettings()
    setup_logging("nlp", settings.log_level, settings.log_json)
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
