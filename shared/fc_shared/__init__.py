"""The Future Community platform's common spine, written once and used by all four services."""
