"""The service centre's postal address: where customers send their parcels (seed 000).

One setting for every service and page (the label, the claim's message and page, the emails, the
customer's forms): RMA_SERVICE_CENTRE_NAME, _STREET, _POSTAL_CODE, _CITY and _COUNTRY; and
_BANK_ACCOUNT, where customers pay the charges of their claims (transfer title: the RMA number).
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceCentre(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RMA_SERVICE_CENTRE_")

    name: str = "Serwis INNPRO"
    street: str = "Rudzka 65C"
    postal_code: str = "44-200"
    city: str = "Rybnik"
    country: str = "POLAND"
    bank_account: str = "PL61 1090 1014 0000 0712 1981 2874"

    @property
    def lines(self) -> list[str]:
        """As printed on a parcel: name, street, postal code and city, country."""
        return [self.name, self.street, f"{self.postal_code} {self.city}", self.country]

    @property
    def one_line(self) -> str:
        return ", ".join(self.lines)


SERVICE_CENTRE = ServiceCentre()
