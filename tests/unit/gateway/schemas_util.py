"""The official response schemas, to check every answer the gateway gives."""

from functools import cache

import jsonschema

from pipelines.gateway.frames import OCPP16
from pipelines.ingest.schemas import ocpp16_schemas, ocpp201_schemas


@cache
def response_validator(protocol: str, action: str) -> jsonschema.Draft4Validator:
    schemas = ocpp16_schemas() if protocol == OCPP16 else ocpp201_schemas()
    return jsonschema.Draft4Validator(schemas[action].response)


def assert_valid_response(protocol: str, action: str, payload: dict) -> None:
    errors = [e.message for e in response_validator(protocol, action).iter_errors(payload)]
    assert not errors, f"{protocol} {action} response {payload}: {errors}"
