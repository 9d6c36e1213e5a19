"""Inspection service: acceptance (验收), district review, results, nine-scenario evaluation, bulletins."""
