"""Rating: OCPI 2.2.1 tariffs applied to closed sessions, in Decimal money."""
