"""Notify's own Prometheus series (served on /metrics with the spine's)."""
from prometheus_client import Counter, Histogram

WEBHOOK_ATTEMPTS = Counter("fc_webhook_attempts_total", "Webhook delivery attempts", ["outcome"])
WEBHOOK_LATENCY = Histogram("fc_webhook_attempt_duration_seconds", "Webhook attempt latency",
                            buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15))
ENDPOINTS_DISABLED = Counter("fc_webhook_endpoints_disabled_total", "Webhook endpoints disabled")
ALERT_EMAILS = Counter("fc_alert_emails_total", "Alert e-mail attempts", ["result"])
