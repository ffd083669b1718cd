import uvicorn

from services.claims.bootstrap import build_app
from services.claims.settings import ClaimsSettings

settings = ClaimsSettings()
uvicorn.run(build_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)
