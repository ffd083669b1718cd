from services.accounts.bootstrap import build_app
from services.accounts.settings import AccountsSettings
from shared.runtime import serve

settings = AccountsSettings()
serve(build_app(settings), settings)
