"""Notify service: signed webhooks to province/city systems, alerts, email."""
