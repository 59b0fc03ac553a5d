"""Request schemas of the station-initiated actions (the `ocpp` package's official files), checked fast.

The pipeline's compiled checks answer valid payloads in microseconds (jsonschema needs ~400 us for a
MeterValues payload); only a rejected payload meets jsonschema, whose first error names the field and
the rule that decide the CALLERROR code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import ocpp
from jsonschema.exceptions import best_match

from pipelines.gateway.decisions import STATION_ACTIONS
from pipelines.gateway.frames import OCPP16, Fault
from pipelines.ingest.schemas import Check, compile_schema, is_date_time

OCPP_DIR = Path(ocpp.__file__).parent
_FAULTS = {
    "required": Fault.MISSING_FIELD,
    "additionalProperties": Fault.UNEXPECTED_FIELD,
    "type": Fault.WRONG_TYPE,
    "maxLength": Fault.WRONG_TYPE,  # OCPP's CiStringNType: a longer string is of the wrong type
    "minItems": Fault.OCCURRENCE,
    "maxItems": Fault.OCCURRENCE,
}
_FORMATS = jsonschema.FormatChecker(formats=())
_FORMATS.checks("date-time")(lambda value: not isinstance(value, str) or is_date_time(value))


@dataclass(frozen=True, slots=True)
class RequestSchema:
    action: str
    schema: dict
    check: Check

    def problem(self, payload: Any) -> tuple[Fault, str] | None:
        """None for a valid payload, else the fault and a readable reason."""
        if self.check(payload):
            return None
        error = best_match(jsonschema.Draft4Validator(self.schema, format_checker=_FORMATS).iter_errors(payload))
        if error is None:  # the compiled check is stricter in a corner jsonschema does not see
            return Fault.BAD_VALUE, f"{self.action} request violates its schema"
        where = ".".join(str(part) for part in error.absolute_path) or "payload"
        return _FAULTS.get(str(error.validator), Fault.BAD_VALUE), f"{self.action} {where}: {error.message}"


@cache
def request_schemas(protocol: str) -> dict[str, RequestSchema]:
    """The station-initiated actions of one protocol with their compiled request checks (once per process)."""
    folder, suffix = ("v16", ".json") if protocol == OCPP16 else ("v201", "Request.json")
    schemas: dict[str, RequestSchema] = {}
    for action in sorted(STATION_ACTIONS[protocol]):
        path = OCPP_DIR / folder / "schemas" / f"{action}{suffix}"
        schema = json.loads(path.read_text(encoding="utf-8-sig"))
        schemas[action] = RequestSchema(action, schema, compile_schema(schema))
    return schemas
