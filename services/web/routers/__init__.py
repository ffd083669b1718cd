"""The panel's pages, one router per area."""
