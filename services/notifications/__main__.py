from services.notifications.bootstrap import build_app
from services.notifications.settings import NotificationsSettings
from shared.runtime import serve

settings = NotificationsSettings()
serve(build_app(settings), settings)
