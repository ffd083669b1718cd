"""The web panel: server-rendered Polish pages for customers and operators over the APIs."""
