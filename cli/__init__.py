"""The single `chargeledger` command line."""
