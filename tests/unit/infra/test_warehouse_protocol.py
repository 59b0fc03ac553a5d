import gzip

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.warehouse.protocol import (
    COMPRESSORS,
    ProtocolError,
    check_read_only,
    decode_body,
    encode_body,
    error_body,
    error_code,
    insert_target,
    is_select,
    output_format,
    parse_request,
    response_encoding,
    statement_of,
)


def test_url_params_split_into_transport_settings_and_bind_params():
    request = parse_request(
        {
            "query": "SELECT 1",
            "database": "d",
            "max_threads": "2",
            "param_id": "7",
            "wait_end_of_query": "1",
            "session_id": "s",
        },
        b"",
        method="POST",
    )
    assert (request.database, request.session_id, request.wait_end_of_query) == ("d", "s", True)
    assert request.settings == {"max_threads": "2"}
    assert request.bind_params == {"id": "7"}
    assert not request.read_only


def test_get_and_readonly_setting_make_a_read_only_request():
    assert parse_request({}, b"", method="GET").read_only
    assert parse_request({"readonly": "1"}, b"", method="POST").read_only


def test_insert_in_url_keeps_body_as_data():
    request = parse_request({"query": "INSERT INTO t (a) FORMAT Native"}, b"\x01\x02", method="POST")
    statement = statement_of(request)
    assert (statement.insert_data, statement.insert_format) == (b"\x01\x02", "Native")
    assert insert_target(statement) == "INSERT INTO t (a)"


def test_insert_in_body_is_split_from_its_data():
    statement = statement_of(parse_request({}, b"INSERT INTO t FORMAT CSV\n1,2\n", method="POST"))
    assert (statement.sql, statement.insert_data, statement.insert_format) == (
        "INSERT INTO t FORMAT CSV",
        b"1,2\n",
        "CSV",
    )


def test_query_param_and_body_concatenate_for_other_statements():
    statement = statement_of(parse_request({"query": "SELECT"}, b"1", method="POST"))
    assert statement.sql == "SELECT\n1" and not statement.is_insert_with_data


def test_values_insert_runs_as_one_statement():
    statement = statement_of(parse_request({}, b"INSERT INTO t VALUES (1)", method="POST"))
    assert statement.sql == "INSERT INTO t VALUES (1)" and not statement.is_insert_with_data


@pytest.mark.parametrize(
    "sql", ["SELECT 1", "  -- c\n with x as (select 1) select * from x", "SHOW TABLES", "EXISTS t"]
)
def test_reads_pass_the_read_only_check(sql):
    check_read_only(sql)


@pytest.mark.parametrize(
    "sql", ["CREATE TABLE t (a UInt8) ENGINE=Memory", "INSERT INTO t VALUES (1)", "/* x */ DROP TABLE t"]
)
def test_writes_fail_the_read_only_check_with_code_164(sql):
    with pytest.raises(ProtocolError) as error:
        check_read_only(sql)
    assert error.value.code == 164


def test_only_selects_stream():
    assert is_select("WITH 1 AS x SELECT x") and not is_select("CREATE DATABASE d")


def test_format_clause_wins_over_default():
    assert output_format("SELECT 1 FORMAT JSONEachRow", "TabSeparated") == "JSONEachRow"
    assert output_format("SELECT 1\n FORMAT Native SETTINGS max_threads=1", "CSV") == "Native"
    assert output_format("SELECT 'FORMAT' AS f", "CSV") == "CSV"


def test_error_body_and_code_follow_clickhouse():
    message = (
        "Streaming insert finish failed: Code: 27. DB::Exception: Cannot parse. (CANNOT_PARSE_INPUT_ASSERTION_FAILED)"
    )
    body = error_body(message, "26.9.2.1")
    assert body == "Code: 27. DB::Exception: Cannot parse. (CANNOT_PARSE_INPUT_ASSERTION_FAILED) (version 26.9.2.1)\n"
    assert error_code(body) == 27
    assert error_body("boom", "v").startswith("Code: 1001. DB::Exception: boom")


@given(st.binary(max_size=2000), st.sampled_from(sorted(COMPRESSORS)))
def test_every_encoding_round_trips(data, encoding):
    assert decode_body(encode_body(data, encoding), encoding) == data


def test_lz4_accepts_concatenated_frames():
    assert decode_body(encode_body(b"ab", "lz4") + encode_body(b"cd", "lz4"), "lz4") == b"abcd"


def test_unknown_or_corrupt_encoding_is_a_clear_error():
    with pytest.raises(ProtocolError, match="Unknown Content-Encoding 'snappy'"):
        decode_body(b"x", "snappy")
    with pytest.raises(ProtocolError, match="cannot decompress the gzip request body"):
        decode_body(b"not gzip", "gzip")
    assert decode_body(gzip.compress(b"ok"), "GZIP") == b"ok"


def test_response_encoding_takes_the_clients_first_supported():
    assert response_encoding("br, gzip;q=0.8, lz4") == "gzip"
    assert response_encoding("br") is None
    assert response_encoding(None) is None
