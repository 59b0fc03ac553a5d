"""`chargeledger invoice`: monthly invoices of postpaid accounts and receipts of ad-hoc sessions from ClickHouse."""
