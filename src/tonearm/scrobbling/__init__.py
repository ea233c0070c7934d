"""Scrobbling out: counted plays, now playing and loves sent to ListenBrainz and Last.fm."""

from tonearm.scrobbling.clients import LastfmAccounts, ListenBrainzAccounts, ScrobbleClient
from tonearm.scrobbling.jobs import DELIVER_SCROBBLES_JOB, register_scrobbling_jobs
from tonearm.scrobbling.models import (
    Connection,
    ConnectionState,
    CredentialsRejected,
    InvalidScrobbleToken,
    NotConnected,
    PlayToSend,
    ScrobbleError,
    ScrobbleTarget,
    ScrobbleTargetUnavailable,
    ServiceUnreachable,
    Submission,
    SubmissionKind,
    SubmissionRefused,
    TargetStatus,
    Track,
)
from tonearm.scrobbling.repository import ScrobbleRepository
from tonearm.scrobbling.service import DeliveryReport, RetryPolicy, ScrobbleService

__all__ = [
    "DELIVER_SCROBBLES_JOB",
    "Connection",
    "ConnectionState",
    "CredentialsRejected",
    "DeliveryReport",
    "InvalidScrobbleToken",
    "LastfmAccounts",
    "ListenBrainzAccounts",
    "NotConnected",
    "PlayToSend",
    "RetryPolicy",
    "ScrobbleClient",
    "ScrobbleError",
    "ScrobbleRepository",
    "ScrobbleService",
    "ScrobbleTarget",
    "ScrobbleTargetUnavailable",
    "ServiceUnreachable",
    "Submission",
    "SubmissionKind",
    "SubmissionRefused",
    "TargetStatus",
    "Track",
    "register_scrobbling_jobs",
]
