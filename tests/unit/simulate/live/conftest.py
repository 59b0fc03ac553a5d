"""A small scripted day shared by the live-simulator tests, and the official OCPP schemas to check it against."""

from datetime import date
from pathlib import Path

import jsonschema
import orjson
import pytest

from jobs.simulate.frames import ocpp_reference_payload
from jobs.simulate.live.script import plan_live_day
from jobs.simulate.live.steps import OCPP16, RawText
from pipelines.catalog.load import load_catalog
from pipelines.ingest.schemas import ocpp16_schemas, ocpp201_schemas

SAMPLE = Path(__file__).resolve().parents[4] / "examples" / "catalog.yaml"
DAY = date(2026, 11, 22)
_validators: dict = {}


@pytest.fixture(scope="session")
def catalog():
    return load_catalog(SAMPLE)


@pytest.fixture(scope="session")
def live_day(catalog):
    return plan_live_day(catalog, seed=7, day=DAY, charge_points=8, bad_frame_share=0.01, ocpp201_share=0.5)


def sent_payload(request) -> dict:
    """The payload ocpp's ChargePoint.call puts on the wire for this request, as JSON reads it back."""
    return orjson.loads(orjson.dumps(ocpp_reference_payload(request)))


def schema_problems(protocol: str, request) -> list[str]:
    """Every violation of the official schema of `request` in its OCPP version (the ocpp package's files)."""
    return payload_problems(protocol, type(request).__name__, sent_payload(request))


def payload_problems(protocol: str, action: str, payload: dict) -> list[str]:
    key = (protocol, action)
    if key not in _validators:
        schema = (ocpp16_schemas() if protocol == OCPP16 else ocpp201_schemas())[action].request
        cls = jsonschema.validators.validator_for(schema)
        _validators[key] = cls(schema, format_checker=jsonschema.FormatChecker())
    return [error.message for error in _validators[key].iter_errors(payload)]


def calls(script) -> list:
    """The script's requests without the planted raw frames."""
    return [step.request for step in script.steps if not isinstance(step.request, RawText)]
