"""Simulated stations as real OCPP-J clients (1.6 and 2.0.1) that play the day's plans against a gateway."""
