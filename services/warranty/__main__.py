from services.warranty.bootstrap import build_app
from services.warranty.settings import WarrantySettings
from shared.runtime import serve

settings = WarrantySettings()
serve(build_app(settings), settings)
