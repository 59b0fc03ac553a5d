"""The official response schemas, to check every answer the gateway gives."""

import json
from functools import cache

import jsonschema

from pipelines.gateway.frames import OCPP16
from pipelines.gateway.schemas import OCPP_DIR


@cache
def response_validator(protocol: str, action: str) -> jsonschema.Draft4Validator:
    folder = "v16" if protocol == OCPP16 else "v201"
    path = OCPP_DIR / folder / "schemas" / f"{action}Response.json"
    return jsonschema.Draft4Validator(json.loads(path.read_text(encoding="utf-8-sig")))


def assert_valid_response(protocol: str, action: str, payload: dict) -> None:
    errors = [e.message for e in response_validator(protocol, action).iter_errors(payload)]
    assert not errors, f"{protocol} {action} response {payload}: {errors}"
