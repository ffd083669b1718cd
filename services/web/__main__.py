import uvicorn

from services.web.app import build_app
from services.web.settings import WebSettings

settings = WebSettings()
uvicorn.run(
    build_app(settings),
    host=settings.http_host,
    port=settings.http_port,
    log_config=None,
    # Open event streams of the dashboard must not hold a restart up for long.
    timeout_graceful_shutdown=3,
)
