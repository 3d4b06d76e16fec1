"""Notification delivery: the transactional outbox, the message log, the sending worker and
one module per channel (email over SMTP, SMS over an HTTP provider or an email gateway,
signed webhooks)."""
