import uvicorn

from services.notifications.bootstrap import build_app
from services.notifications.settings import NotificationsSettings

settings = NotificationsSettings()
uvicorn.run(build_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)
