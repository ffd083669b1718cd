import uvicorn

from services.warranty.bootstrap import build_app
from services.warranty.settings import WarrantySettings

settings = WarrantySettings()
uvicorn.run(build_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)
