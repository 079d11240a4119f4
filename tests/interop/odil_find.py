"""One Relevant Patient Information query through odil, reported as JSON on stdout.

Runs under the *system* interpreter (``/usr/bin/python3``), the only one that can import
Debian's ``python3-odil``; the test suite starts it as a subprocess, so nothing here may import
the project or the venv's packages.

Usage: ``/usr/bin/python3 odil_find.py '<query JSON>'`` with the query keys ``host``, ``port``,
``calling_ae``, ``called_ae``, ``sop_class_uid``, ``PatientID``, ``IssuerOfPatientID`` (a string,
or null for a zero-length key) and ``template_id``.

One association proposes the three RPI SOP classes; on it, two C-FINDs go out in turn:

1. through ``odil.FindSCU`` (``set_affected_sop_class`` + ``find``), odil's public client API.
   It returns the Pending data sets only and swallows every final status (a C100 looks exactly
   like no match), so
2. the same request again through odil's DIMSE message layer (``odil.messages.CFindRequest``,
   ``Association.send_message`` / ``receive_message``), which shows each response's status and
   whether it carried a data set.

stdout: ``{"accepted_sop_classes": [...], "find_scu": [DICOM JSON...], "responses": [{"status",
"has_data_set", "error_comment", "data_set"}], "released": bool}``. Exit status 0 on a completed
exchange, 2 (with ``{"error": ...}``) when odil raised.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import odil  # type: ignore[import-not-found]  # Debian python3-odil: system Python only

RPI_SOP_CLASSES = (
    "1.2.840.10008.5.1.4.37.1",
    "1.2.840.10008.5.1.4.37.2",
    "1.2.840.10008.5.1.4.37.3",
)
TRANSFER_SYNTAXES = [odil.registry.ImplicitVRLittleEndian, odil.registry.ExplicitVRLittleEndian]
PRIORITY_MEDIUM = 0x0000
TAG_ERROR_COMMENT = odil.Tag(0x0000, 0x0902)


def request_json(query: dict[str, Any]) -> dict[str, Any]:
    """The request identifier in the DICOM JSON model: keys, zero-length return keys, template."""
    issuer = query["IssuerOfPatientID"]
    return {
        "00100010": {"vr": "PN"},
        "00100020": {"vr": "LO", "Value": [query["PatientID"]]},
        "00100021": {"vr": "LO"} if issuer is None else {"vr": "LO", "Value": [issuer]},
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


def associate(query: dict[str, Any]) -> odil.Association:
    association = odil.Association()
    association.set_peer_host(query["host"])
    association.set_peer_port(int(query["port"]))
    parameters = odil.AssociationParameters()
    parameters.set_calling_ae_title(query["calling_ae"])
    parameters.set_called_ae_title(query["called_ae"])
    role = odil.AssociationParameters.PresentationContext.Role.SCU
    contexts = [
        odil.AssociationParameters.PresentationContext(2 * i + 1, uid, TRANSFER_SYNTAXES, role)
        for i, uid in enumerate(RPI_SOP_CLASSES)
    ]
    parameters.set_presentation_contexts(contexts)
    association.set_parameters(parameters)
    association.associate()
    return association


def accepted_sop_classes(association: odil.Association) -> list[str]:
    negotiated = association.get_negotiated_parameters().get_presentation_contexts()
    return sorted(context.abstract_syntax for context in negotiated)


def find_with_find_scu(association: odil.Association, query: dict[str, Any]) -> list[Any]:
    find_scu = odil.FindSCU(association)
    find_scu.set_affected_sop_class(query["sop_class_uid"])
    identifiers = find_scu.find(odil.from_json(json.dumps(request_json(query))))
    return [json.loads(odil.as_json(identifier)) for identifier in identifiers]


def find_with_messages(association: odil.Association, query: dict[str, Any]) -> list[Any]:
    request = odil.messages.CFindRequest(
        association.next_message_id(),
        query["sop_class_uid"],
        PRIORITY_MEDIUM,
        odil.from_json(json.dumps(request_json(query))),
    )
    association.send_message(request, query["sop_class_uid"])
    responses: list[Any] = []
    while True:
        response = odil.messages.CFindResponse(association.receive_message())
        responses.append(describe(response))
        if not response.is_pending():
            return responses


def describe(response: odil.messages.CFindResponse) -> dict[str, Any]:
    command_set = response.get_command_set()
    error_comment = None
    if command_set.has(TAG_ERROR_COMMENT):
        error_comment = "\\".join(str(v) for v in command_set.as_string(TAG_ERROR_COMMENT))
    data_set = None
    if response.has_data_set():
        data_set = json.loads(odil.as_json(response.get_data_set()))
    return {
        "status": response.get_status(),
        "has_data_set": response.has_data_set(),
        "error_comment": error_comment,
        "data_set": data_set,
    }


def main() -> int:
    query = json.loads(sys.argv[1])
    report: dict[str, Any] = {}
    try:
        association = associate(query)
        report["accepted_sop_classes"] = accepted_sop_classes(association)
        report["find_scu"] = find_with_find_scu(association, query)
        report["responses"] = find_with_messages(association, query)
        association.release()
        report["released"] = True
    except odil.Exception as exc:
        report["error"] = f"{type(exc).__name__}: {exc}"
        print(json.dumps(report))
        return 2
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
