"""Registry service: streets, communities (一社一档), creation projects and their lifecycle."""
