"""Charging-station simulator publishing valid OCPP 1.6 frames in the gateway envelope."""
