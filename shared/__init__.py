"""Common package of the RMA services: event contracts, settings, logging and messaging."""
