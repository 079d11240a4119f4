"""One connection, one coroutine: the PS3.8 state machine of an association acceptor.

States (PS3.8 Table 9-10 names): ``Sta2`` waiting for the A-ASSOCIATE-RQ (ARTIM =
``acse_timeout``), ``Sta6`` established (idle timer = ``network_timeout``; it never fires while
an operation runs), ``Sta8`` the requestor's A-RELEASE-RQ received (answered with A-RELEASE-RP
once the operation in flight has sent its last response), ``Sta13`` closed. This acceptor
never requests a release itself (a stop aborts, as PS3.8 allows), so release collisions
(Sta9-Sta12) cannot arise. Any PDU that is malformed, unknown, too long or unexpected in the
state gets an A-ABORT (source 2, a PS3.8 reason) and the connection is closed; a peer that
does not read our answers is dropped when a write does not drain within ``dimse_timeout``.

One operation at a time (asynchronous operations window 1/1): a C-FIND runs as a task on the
engine's thread pool while this coroutine keeps reading, so a C-CANCEL is seen at once by the
operation's ``is_cancelled``. Everything the peer sends is bounded: one PDU of at most the
length we announced, one command set, one data set (C-FIND identifiers over the limit are read,
dropped and answered C000).
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from asyncio.trsock import TransportSocket
from typing import Final

from rpiq.net.engine.acse import (
    Accepted,
    AcceptedContext,
    Refused,
    carries_user_identity,
    decode_request,
    negotiate,
)
from rpiq.net.engine.core import (
    ASSOCIATE_RQ_MAX,
    COMMAND_MAX,
    IDENTIFIER_MAX,
    STORE_DATA_SET_MAX,
    EngineCore,
)
from rpiq.net.engine.dimse import (
    C_CANCEL_RQ,
    C_ECHO_RQ,
    C_FIND_RQ,
    C_STORE_RQ,
    RESPONSE_BIT,
    UNRECOGNIZED_OPERATION,
    Command,
    CommandError,
    decode_command,
    encode_response,
)
from rpiq.net.engine.echo import echo_response
from rpiq.net.engine.find import FindRequest, run_find
from rpiq.net.engine.pdu_io import (
    A_ABORT_TYPE,
    A_ASSOCIATE_RQ_TYPE,
    A_RELEASE_RP_BYTES,
    A_RELEASE_RQ_TYPE,
    ABORT_SOURCE_PROVIDER,
    MCH_COMMAND,
    MCH_LAST,
    P_DATA_TF_TYPE,
    REASON_INVALID_PDU_PARAMETER_VALUE,
    REASON_NOT_SPECIFIED,
    REASON_UNEXPECTED_PDU,
    REASON_UNEXPECTED_PDU_PARAMETER,
    PduError,
    abort_bytes,
    message_bytes,
    parse_pdata,
    read_pdu,
)
from rpiq.net.engine.store import StoreRequest, run_store
from rpiq.net.hooks import PeerInfo
from rpiq.net.logfmt import LOGGER_NAME, log_event

LOGGER = logging.getLogger(LOGGER_NAME)

STA2: Final = "Sta2"
STA6: Final = "Sta6"
STA8: Final = "Sta8"
STA13: Final = "Sta13"


class Dropped(Exception):
    """The connection is gone or must go without further PDUs."""


class _Message:
    """A DIMSE message being reassembled from PDV fragments."""

    __slots__ = ("command", "command_parts", "context_id", "data_parts", "data_size", "limit")

    def __init__(self) -> None:
        self.command_parts: list[bytes] = []
        self.command: Command | None = None
        self.context_id = 0
        self.data_parts: list[bytes] | None = []
        self.data_size = 0
        self.limit = 0


class Association:
    """An accepted TCP connection and the association on it."""

    def __init__(
        self,
        core: EngineCore,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        tls_subject: str | None,
    ) -> None:
        self.core = core
        self.reader = reader
        self.writer = writer
        self.association_id = core.next_id()
        peer = writer.get_extra_info("peername") or ("?", 0)
        self.peer_address: tuple[str, int] = (str(peer[0]), int(peer[1]))
        self.tls_subject = tls_subject
        self.state = STA2
        self.peer: PeerInfo | None = None
        self.contexts: dict[int, AcceptedContext] = {}
        self.peer_max_pdu = 0
        self.cancelled: set[int] = set()
        self.operation: asyncio.Task[None] | None = None
        self._loop = asyncio.get_running_loop()
        self._last_activity = self._loop.time()
        self._timer: asyncio.TimerHandle | None = None
        self._message = _Message()
        self._stop_after_operation = False
        self._started = time.monotonic()
        self._ended = "closed"
        self._gone = False

    # -- what the server and its facade see ---------------------------------------------------

    @property
    def in_flight(self) -> bool:
        """``True`` while an operation (C-FIND, C-STORE) runs."""
        return self.operation is not None and not self.operation.done()

    @property
    def socket(self) -> TransportSocket | None:
        """The server side of the TCP connection (asyncio's socket wrapper)."""
        sock = self.writer.get_extra_info("socket")
        return sock if isinstance(sock, TransportSocket) else None

    def begin_stop(self) -> None:
        """Graceful stop: close now if never associated, abort now if idle, else abort when
        the operation in flight has sent its last response."""
        if self.state == STA2:
            self._close_transport()
        elif self.in_flight:
            self._stop_after_operation = True
        else:
            self.abort()

    def abort(self) -> None:
        """A-ABORT (source 0, service user) and close, whatever the state."""
        if self.state == STA6:
            self._write_quietly(abort_bytes(0, 0))
            self._ended = "aborted"
        self._close_transport()

    # -- the coroutine ------------------------------------------------------------------------

    async def run(self) -> None:
        """Serve the connection until it ends; never raises."""
        self.core.live[self.association_id] = self
        self._arm_timer(self.core.settings.acse_timeout)
        try:
            if await self._associate():
                await self._serve()
        except PduError as exc:
            self._abort_for(exc)
        except (Dropped, asyncio.IncompleteReadError, ConnectionError, TimeoutError, OSError):
            pass
        except Exception as exc:
            log_event(
                LOGGER,
                logging.ERROR,
                "association.error",
                id=self.association_id,
                error=type(exc).__name__,
            )
            LOGGER.debug("association failed", exc_info=True)
            self._abort_for(PduError(REASON_NOT_SPECIFIED, "internal error"))
        finally:
            await self._finish()

    async def _finish(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._gone = True  # an operation still running sees itself cancelled
        operation = self.operation
        if operation is not None and not operation.done():
            await asyncio.gather(operation, return_exceptions=True)
        self._close_transport()
        self.core.live.pop(self.association_id, None)
        if self.association_id in self.core.established:
            self.core.established.discard(self.association_id)
            self.core.hook("metrics.association_closed", self.core.metrics.association_closed)
            log_event(
                LOGGER,
                logging.INFO,
                f"association.{self._ended}",
                id=self.association_id,
                calling_ae=self.peer.calling_ae_title if self.peer else None,
                ms=f"{(time.monotonic() - self._started) * 1000:.1f}",
            )
        self.state = STA13

    # -- timers -------------------------------------------------------------------------------

    def _arm_timer(self, timeout: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = self._loop.call_later(timeout, self._on_timer, timeout)

    def _on_timer(self, timeout: float) -> None:
        idle_for = self._loop.time() - self._last_activity
        if self.in_flight or idle_for < timeout:
            self._timer = self._loop.call_later(
                max(timeout - idle_for, 0.05), self._on_timer, timeout
            )
            return
        self._timer = None
        if self.state == STA2:  # ARTIM: close, nothing to abort (PS3.8 AA-2)
            log_event(LOGGER, logging.INFO, "association.artim_timeout", id=self.association_id)
            self._close_transport()
        else:
            log_event(LOGGER, logging.INFO, "association.idle_timeout", id=self.association_id)
            self.abort()

    # -- Sta2: association establishment ------------------------------------------------------

    async def _associate(self) -> bool:
        pdu_type, body = await read_pdu(self.reader, ASSOCIATE_RQ_MAX)
        if pdu_type != A_ASSOCIATE_RQ_TYPE:
            # PS3.8 Sta2: any other PDU → A-ABORT (AA-1); an A-ABORT → close (AA-2)
            if pdu_type == A_ABORT_TYPE:
                return False
            raise PduError(REASON_UNEXPECTED_PDU, f"PDU type {pdu_type} before A-ASSOCIATE-RQ")
        rq = decode_request(body)
        peer = PeerInfo(
            association_id=self.association_id,
            address=self.peer_address[0],
            port=self.peer_address[1],
            calling_ae_title=rq.calling_ae_title.strip(),
            called_ae_title=rq.called_ae_title.strip(),
            tls_subject=self.tls_subject,
        )
        self.peer = peer
        core = self.core
        over_limit = core.stopping or len(core.established) >= core.settings.max_associations
        answering = functools.partial(negotiate, core.acceptor, rq, peer, over_limit=over_limit)
        try:
            if carries_user_identity(rq):  # the passcode check hashes: not on the loop
                answer = await self._loop.run_in_executor(core.executor, answering)
            else:
                answer = answering()
        except Exception as exc:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "bad A-ASSOCIATE-RQ items") from exc
        if isinstance(answer, Refused):
            await self._refuse(answer)
            return False
        self._establish(answer)
        await self._send(answer.pdu)
        return True

    async def _refuse(self, refused: Refused) -> None:
        core, rejection = self.core, refused.rejection
        core.hook("metrics.association_rejected", core.metrics.association_rejected)
        core.hook(
            "audit.association_rejected",
            lambda: core.audit.association_rejected(refused.peer, rejection),
        )
        if rejection.user_authentication_failed:
            core.hook(
                "audit.user_authentication_failed",
                lambda: core.audit.user_authentication_failed(refused.peer, refused.username or ""),
            )
        log_event(
            LOGGER,
            logging.INFO,
            "association.rejected",
            id=self.association_id,
            peer=f"{self.peer_address[0]}:{self.peer_address[1]}",
            calling_ae=refused.peer.calling_ae_title,
            called_ae=refused.peer.called_ae_title,
            result=rejection.result,
            source=rejection.source,
            reason=rejection.reason,
            why=rejection.why,
        )
        await self._send(refused.pdu)

    def _establish(self, accepted: Accepted) -> None:
        self.state = STA6
        self.contexts = dict(accepted.contexts)
        self.peer_max_pdu = accepted.peer_max_pdu
        self.core.established.add(self.association_id)
        self.core.hook("metrics.association_opened", self.core.metrics.association_opened)
        self._last_activity = self._loop.time()
        self._arm_timer(self.core.settings.network_timeout)
        log_event(
            LOGGER,
            logging.INFO,
            "association.accepted",
            id=self.association_id,
            peer=f"{self.peer_address[0]}:{self.peer_address[1]}",
            calling_ae=accepted.peer.calling_ae_title,
            called_ae=accepted.peer.called_ae_title,
            contexts=len(self.contexts),
            peer_max_pdu=self.peer_max_pdu,
            tls=self.tls_subject is not None or None,
        )

    # -- Sta6 and after: the established association ------------------------------------------

    async def _serve(self) -> None:
        max_pdu_in = self.core.max_pdu_in
        reader, loop = self.reader, self._loop
        while True:
            pdu_type, body = await read_pdu(reader, max_pdu_in)
            self._last_activity = loop.time()
            if pdu_type == P_DATA_TF_TYPE:
                await self._on_pdata(body)
            elif pdu_type == A_RELEASE_RQ_TYPE:
                await self._on_release_rq()
                return
            elif pdu_type == A_ABORT_TYPE:
                self._ended = "aborted_by_peer"
                return
            else:
                raise PduError(REASON_UNEXPECTED_PDU, f"PDU type {pdu_type} on an association")

    async def _on_release_rq(self) -> None:
        """A-RELEASE-RQ: answered once the operation in flight has ended (PS3.8 AR-2/AR-4)."""
        self.state = STA8
        await self._wait_for_operation()
        await self._send(A_RELEASE_RP_BYTES)
        self._ended = "released"

    # -- P-DATA: fragments → messages → operations --------------------------------------------

    async def _on_pdata(self, body: bytes) -> None:
        for context_id, control, fragment in parse_pdata(body):
            if context_id not in self.contexts:
                raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "unaccepted context id")
            message = self._message
            if control & MCH_COMMAND:
                self._add_command_fragment(message, context_id, control, fragment)
                if message.command is not None and not message.command.has_data_set:
                    await self._complete(message)
            else:
                self._add_data_fragment(message, context_id, fragment)
                if control & MCH_LAST:
                    await self._complete(message)

    def _add_command_fragment(
        self, message: _Message, context_id: int, control: int, fragment: bytes
    ) -> None:
        if message.command is not None:
            raise PduError(REASON_UNEXPECTED_PDU_PARAMETER, "command fragment in a data set")
        if message.command_parts and context_id != message.context_id:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "context changed in a message")
        message.context_id = context_id
        message.command_parts.append(fragment)
        if sum(len(part) for part in message.command_parts) > COMMAND_MAX:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "command set too long")
        if not control & MCH_LAST:
            return
        try:
            command = decode_command(b"".join(message.command_parts))
        except CommandError as exc:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, str(exc)) from exc
        message.command = command
        message.limit = STORE_DATA_SET_MAX if command.CommandField == C_STORE_RQ else IDENTIFIER_MAX

    def _add_data_fragment(self, message: _Message, context_id: int, fragment: bytes) -> None:
        if message.command is None or not message.command.has_data_set:
            raise PduError(REASON_UNEXPECTED_PDU_PARAMETER, "data set without its command")
        if context_id != message.context_id:
            raise PduError(REASON_INVALID_PDU_PARAMETER_VALUE, "context changed in a message")
        message.data_size += len(fragment)
        if message.data_parts is not None:
            if message.data_size > message.limit:
                message.data_parts = None  # keep reading, drop the bytes, answer a failure
            else:
                message.data_parts.append(fragment)

    async def _complete(self, message: _Message) -> None:
        self._message = _Message()
        command = message.command
        if command is None:
            return
        data = None
        if command.has_data_set and message.data_parts is not None:
            data = b"".join(message.data_parts)
        await self._dispatch(command, self.contexts[message.context_id], data)

    async def _dispatch(
        self, command: Command, context: AcceptedContext, data: bytes | None
    ) -> None:
        field = command.CommandField
        if field == C_CANCEL_RQ:
            if command.MessageIDBeingRespondedTo is not None:
                self.cancelled.add(command.MessageIDBeingRespondedTo)
            return
        if field & RESPONSE_BIT:
            raise PduError(REASON_UNEXPECTED_PDU_PARAMETER, "a DIMSE response from the requestor")
        if self.state != STA6 or self._stop_after_operation:
            return  # not served once stopping or releasing
        await self._wait_for_operation()  # outside the 1/1 window: one after the other
        if self.writer.transport.is_closing():
            raise Dropped  # e.g. the operation's answer could not be written: serve no more
        if field == C_FIND_RQ:
            request = FindRequest(command, context, data, self.peer_max_pdu)
            self.operation = self._loop.create_task(self._find(request))
        elif field == C_ECHO_RQ:
            await self._send(echo_response(command, context, self.peer_max_pdu))
        elif field == C_STORE_RQ and self.core.store is not None:
            store_request = StoreRequest(command, context, data, self.peer_max_pdu)
            self.operation = self._loop.create_task(self._store(store_request))
        else:
            await self._send(self._unrecognized(command, context))

    def _unrecognized(self, command: Command, context: AcceptedContext) -> bytes:
        command_set = encode_response(
            command.CommandField | RESPONSE_BIT,
            command.MessageID,
            UNRECOGNIZED_OPERATION,
            AffectedSOPClassUID=command.AffectedSOPClassUID,
        )
        return message_bytes(context.context_id, command_set, None, self.peer_max_pdu)

    async def _wait_for_operation(self) -> None:
        operation = self.operation
        if operation is not None and not operation.done():
            await asyncio.gather(operation, return_exceptions=True)

    # -- operations ---------------------------------------------------------------------------

    async def _find(self, request: FindRequest) -> None:
        started = time.perf_counter()
        MessageID = request.command.MessageID
        cancelled = self.cancelled
        cancelled.clear()  # C-CANCELs for earlier requests mean nothing now
        core = self.core
        try:
            outcome = await self._loop.run_in_executor(
                core.executor,
                run_find,
                core.service,
                request,
                lambda: self._gone or MessageID in cancelled,
            )
        except RuntimeError:  # the pool is shut down: the server is stopping
            self.abort()
            return
        finally:
            cancelled.discard(MessageID)
        if self._gone:
            return
        await self._send_from_operation(outcome.wire)
        seconds = time.perf_counter() - started
        self._after_find(
            request, outcome.final_status, outcome.PatientID, outcome.IssuerOfPatientID, seconds
        )
        self._operation_done()

    def _after_find(
        self,
        request: FindRequest,
        status: int,
        PatientID: str,
        IssuerOfPatientID: str | None,
        seconds: float,
    ) -> None:
        core, peer = self.core, self.peer
        sop_class_uid = request.command.AffectedSOPClassUID
        if peer is not None:
            core.hook(
                "audit.query",
                lambda: core.audit.query(peer, sop_class_uid, PatientID, IssuerOfPatientID, status),
            )
        core.hook(
            "metrics.query_done", lambda: core.metrics.query_done(sop_class_uid, status, seconds)
        )
        if LOGGER.isEnabledFor(logging.INFO):  # one line per C-FIND, none per PDU or message
            log_event(
                LOGGER,
                logging.INFO,
                "find.done",
                id=self.association_id,
                sop=sop_class_uid,
                ts=request.context.transfer_syntax,
                status=f"0x{status:04X}",
                ms=f"{seconds * 1000:.2f}",
            )

    async def _store(self, request: StoreRequest) -> None:
        core, peer = self.core, self.peer
        store = core.store
        if store is None or peer is None:
            return
        try:
            wire, status = await self._loop.run_in_executor(
                core.executor, run_store, store, peer, request
            )
        except RuntimeError:
            self.abort()
            return
        await self._send_from_operation(wire)
        log_event(
            LOGGER, logging.DEBUG, "store.done", id=self.association_id, status=f"0x{status:04X}"
        )
        self._operation_done()

    def _operation_done(self) -> None:
        if self._stop_after_operation:
            self.abort()

    # -- writing ------------------------------------------------------------------------------

    async def _send(self, data: bytes) -> None:
        """Write ``data``; a peer that does not take it within ``dimse_timeout`` is dropped."""
        writer = self.writer
        writer.write(data)
        transport = writer.transport
        if transport.get_write_buffer_size():
            try:
                async with asyncio.timeout(self.core.settings.dimse_timeout):
                    await writer.drain()
            except TimeoutError as exc:
                log_event(LOGGER, logging.INFO, "association.write_timeout", id=self.association_id)
                self._ended = "dropped"
                self.writer.transport.abort()
                raise Dropped from exc

    async def _send_from_operation(self, data: bytes) -> None:
        """:meth:`_send` from an operation task: a dead peer ends the connection, not the task."""
        try:
            await self._send(data)
        except (Dropped, ConnectionError, OSError):
            self._close_transport()

    def _write_quietly(self, data: bytes) -> None:
        try:
            if not self.writer.transport.is_closing():
                self.writer.write(data)
        except (ConnectionError, OSError, RuntimeError):
            pass

    def _abort_for(self, error: PduError) -> None:
        log_event(
            LOGGER,
            logging.INFO,
            "association.abort",
            id=self.association_id,
            state=self.state,
            reason=error.reason,
            why=error.why,
        )
        self._write_quietly(abort_bytes(ABORT_SOURCE_PROVIDER, error.reason))
        self._ended = "aborted"
        self._close_transport()

    def _close_transport(self) -> None:
        """Close after what is buffered is written; a peer that does not take it within
        ``dimse_timeout`` gets the connection reset."""
        transport = self.writer.transport
        if transport.is_closing():
            return
        transport.close()
        if transport.get_write_buffer_size():
            self._loop.call_later(self.core.settings.dimse_timeout, transport.abort)
