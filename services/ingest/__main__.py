"""`python -m services.ingest`: run the ingest API."""

from services.ingest.main import create_app
from services.ingest.settings import IngestSettings
from shared.logging import setup_logging
from shared.worker import serve


def main() -> None:
    settings = IngestSettings()
    setup_logging("ingest", settings.log_level, settings.log_json)
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
