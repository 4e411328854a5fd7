"""`python -m services.api`: run the read API."""

from services.api.main import create_app
from services.api.settings import ApiSettings
from shared.logging import setup_logging
from shared.worker import serve


def main() -> None:
    settings = ApiSettings()
    setup_logging("api", settings.log_level, settings.log_json)
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
