"""C-FIND round trips timed inside odil (C++), for rt_engine.py and query_roundtrip.py.

Runs under the *system* interpreter (``/usr/bin/python3``, Debian ``python3-odil``); it imports
nothing from the project or the venv. Usage::

    /usr/bin/python3 bench/odil_client.py '<JSON>'

JSON keys: ``host``, ``port``, ``called_ae``, ``sop_class_uid``, ``PatientID``, ``warmup``,
``queries``, ``new_association_warmup``, ``new_association_queries``; and either ``request``
(the request identifier in the DICOM JSON model, e.g. a worklist query) or
``IssuerOfPatientID`` and ``template_id`` (an RPI request is built from them).

``session``: one association, ``warmup`` untimed then ``queries`` timed ``odil.FindSCU.find``
calls. ``new_association``: ``new_association_warmup`` untimed then ``new_association_queries``
timed rounds of associate + find + release. Every find must return a data set with the queried
Patient ID (odil returns an empty list, no error, on failure statuses).

stdout: ``{"session": [seconds...], "new_association": [seconds...]}``; exit status 2 with
``{"error": ...}`` on any failure.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import odil  # type: ignore[import-not-found]  # Debian python3-odil: system Python only

TRANSFER_SYNTAXES = [odil.registry.ExplicitVRLittleEndian, odil.registry.ImplicitVRLittleEndian]
CALLING_AE = "ODIL-BENCH"
TAG_PATIENT_ID = odil.Tag(0x0010, 0x0020)


class BenchError(Exception):
    """A query did not return the patient."""


def request_data_set(query: dict[str, Any]) -> Any:
    """``query["request"]``, else the RPI request identifier as rpiq's build_request makes it,
    through the DICOM JSON model."""
    if "request" in query:
        return odil.from_json(json.dumps(query["request"]))
    document = {
        "00100010": {"vr": "PN"},
        "00100020": {"vr": "LO", "Value": [query["PatientID"]]},
        "00100021": {"vr": "LO", "Value": [query["IssuerOfPatientID"]]},
        "00100030": {"vr": "DA"},
        "00100040": {"vr": "CS"},
        "0040A032": {"vr": "DT"},
        "0040A040": {"vr": "CS"},
        "0040A043": {"vr": "SQ"},
        "0040A730": {"vr": "SQ"},
        "0040A504": {
            "vr": "SQ",
            "Value": [
                {
                    "00080105": {"vr": "CS", "Value": ["DCMR"]},
                    "0040DB00": {"vr": "CS", "Value": [query["template_id"]]},
                }
            ],
        },
    }
    return odil.from_json(json.dumps(document))


def associate(query: dict[str, Any]) -> Any:
    association = odil.Association()
    association.set_peer_host(query["host"])
    association.set_peer_port(int(query["port"]))
    parameters = odil.AssociationParameters()
    parameters.set_calling_ae_title(CALLING_AE)
    parameters.set_called_ae_title(query["called_ae"])
    role = odil.AssociationParameters.PresentationContext.Role.SCU
    context = odil.AssociationParameters.PresentationContext(
        1, query["sop_class_uid"], TRANSFER_SYNTAXES, role
    )
    parameters.set_presentation_contexts([context])
    association.set_parameters(parameters)
    association.associate()
    return association


def find(association: Any, query: dict[str, Any], request: Any) -> None:
    """One C-FIND through odil.FindSCU."""
    find_scu = odil.FindSCU(association)
    find_scu.set_affected_sop_class(query["sop_class_uid"])
    data_sets = find_scu.find(request)
    if not data_sets or query["PatientID"] not in data_sets[0].as_string(TAG_PATIENT_ID):
        raise BenchError(f"no match for {query['PatientID']}")


def session_samples(query: dict[str, Any], request: Any) -> list[float]:
    association = associate(query)
    for _ in range(int(query["warmup"])):
        find(association, query, request)
    samples = []
    for _ in range(int(query["queries"])):
        started = time.perf_counter()
        find(association, query, request)
        samples.append(time.perf_counter() - started)
    association.release()
    return samples


def new_association_samples(query: dict[str, Any], request: Any) -> list[float]:
    samples = []
    warmup = int(query["new_association_warmup"])
    for index in range(warmup + int(query["new_association_queries"])):
        started = time.perf_counter()
        association = associate(query)
        find(association, query, request)
        association.release()
        if index >= warmup:
            samples.append(time.perf_counter() - started)
    return samples


def main() -> int:
    query = json.loads(sys.argv[1])
    request = request_data_set(query)
    try:
        report = {
            "session": session_samples(query, request),
            "new_association": new_association_samples(query, request),
        }
    except (odil.Exception, BenchError) as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
