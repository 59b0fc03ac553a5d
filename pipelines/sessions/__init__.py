"""Sessions: OCPP transactions rebuilt per charge point into closed charging sessions."""
