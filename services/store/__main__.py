"""`python -m services.store`: run the store worker."""

from services.store.main import create_app
from services.store.settings import StoreSettings
from shared.logging import setup_logging
from shared.worker import serve


def main() -> None:
    settings = StoreSettings()
    setup_logging("store", settings.log_level, settings.log_json)
    serve(create_app(settings), settings.host, settings.port)


if __name__ == "__main__":
    main()
