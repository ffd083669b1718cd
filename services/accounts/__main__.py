import uvicorn

from services.accounts.bootstrap import build_app
from services.accounts.settings import AccountsSettings

settings = AccountsSettings()
uvicorn.run(build_app(settings), host=settings.http_host, port=settings.http_port, log_config=None)
