"""C-ECHO (Verification, PS3.7 9.1.5): answered on the loop, Success, no data set."""

from __future__ import annotations

from rpiq.net.engine.acse import AcceptedContext
from rpiq.net.engine.dimse import C_ECHO_RSP, Command, encode_response
from rpiq.net.engine.pdu_io import message_bytes

SUCCESS = 0x0000


def echo_response(command: Command, context: AcceptedContext, peer_max_pdu: int) -> bytes:
    """The framed C-ECHO-RSP to ``command``."""
    command_set = encode_response(
        C_ECHO_RSP,
        command.MessageID,
        SUCCESS,
        AffectedSOPClassUID=command.AffectedSOPClassUID or context.abstract_syntax,
    )
    return message_bytes(context.context_id, command_set, None, peer_max_pdu)
