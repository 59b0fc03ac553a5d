"""Reference senders: deliver notifications from the notifications topic and record every attempt.

One `chargeledger send --channel C` process per channel (consumer group <app>-send-<channel>) reads the
topic, keeps each message until it is due (not_before, the recipient's rate limit, a retry's backoff), hands it
to the channel's Sender and publishes the outcome on notifications.deliveries (sunk to ClickHouse).
E-mail (SMTP) and webhooks (HMAC-signed) are real; SMS and push are dry-run adapters of the same interface
that log instead of sending, the place to plug a provider's API in.
"""
