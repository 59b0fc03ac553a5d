"""Charging-station simulator: OCPP 1.6 frames straight to Kafka in the gateway envelope, or (live/) real OCPP
1.6 and 2.0.1 clients connecting to the gateway."""
