"""Request schemas of the station-initiated actions (the `ocpp` package's official files), checked fast.

The pipeline's compiled checks answer valid payloads in microseconds (jsonschema needs ~400 us for a
MeterValues payload); only a rejected payload meets jsonschema, whose first error names the field and
the rule that decide the CALLERROR code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from pipelines.gateway.decisions import STATION_ACTIONS
from pipelines.gateway.frames import OCPP16, Fault
from pipelines.ingest.schemas import Check, is_date_time, ocpp16_schemas, ocpp201_schemas

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
    """The station-initiated actions of one protocol with their request checks, as ingest compiled them."""
    compiled = ocpp16_schemas() if protocol == OCPP16 else ocpp201_schemas()
    return {
        action: RequestSchema(action, compiled[action].request, compiled[action].check_request)
        for action in sorted(STATION_ACTIONS[protocol])
    }
