"""The analyst users' SQL, tested on its text: a salted hash instead of the password, a policy per table."""

from __future__ import annotations

import hashlib

from pipelines.warehouse.tenant_access import tenant_user, user_statements


def test_names_and_password_variable_follow_the_tenant_id() -> None:
    account = tenant_user("stadtwerk-aachen")
    assert (account.user, account.password_variable) == (
        "analyst_stadtwerk_aachen", "CHARGELEDGER_ANALYST_PASSWORD_STADTWERK_AACHEN")  # fmt: skip


def test_statements_carry_a_salted_hash_a_grant_and_one_policy_per_table() -> None:
    account = tenant_user("o'hara")
    statements = user_statements("db", account, "s3cret", ["rated_sessions", "charging_events"], lambda: "salt")
    digest = hashlib.sha256(b"s3cretsalt").hexdigest()
    assert statements == [
        f"CREATE USER IF NOT EXISTS `analyst_o_hara` IDENTIFIED WITH sha256_hash BY '{digest}' SALT 'salt'",
        f"ALTER USER `analyst_o_hara` IDENTIFIED WITH sha256_hash BY '{digest}' SALT 'salt'",
        "GRANT SELECT ON `db`.* TO `analyst_o_hara`",
        "CREATE ROW POLICY OR REPLACE `tenant_analyst_o_hara` ON `db`.`rated_sessions` FOR SELECT "
        "USING tenant_id = 'o\\'hara' TO `analyst_o_hara`",
        "CREATE ROW POLICY OR REPLACE `tenant_analyst_o_hara` ON `db`.`charging_events` FOR SELECT "
        "USING tenant_id = 'o\\'hara' TO `analyst_o_hara`",
    ]
    assert not any("s3cret" in statement for statement in statements)
