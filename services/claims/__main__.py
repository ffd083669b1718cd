from services.claims.bootstrap import build_app
from services.claims.settings import ClaimsSettings
from shared.runtime import serve

settings = ClaimsSettings()
serve(build_app(settings), settings)
