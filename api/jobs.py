"""Long imports through the API run as background jobs whose progress can be polled.

Jobs run one at a time in a worker thread of the serving process, which keeps their state: a
restart forgets finished jobs (their data is in the store) and interrupts a running one (re-run
it: imports are idempotent).
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from graph.errors import MeuteError, NotFound, Problem

__all__ = ["ImportJob", "JobProgress", "JobRunner", "JobStatus", "Report", "Work"]


class JobStatus(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(BaseModel):
    """An import running in the background: its progress, then its report or its error."""

    id: str
    what: str
    status: JobStatus = JobStatus.QUEUED
    items_total: int
    items_done: int = 0
    created_at: dt.datetime
    finished_at: dt.datetime | None = None
    report: dict[str, Any] | None = None
    error: str | None = None
    errors: list[dict[str, Any]] = Field(default_factory=list)


class JobProgress:
    """What a running job tells its runner: how many items in all, how many done so far."""

    def __init__(self, runner: JobRunner, job_id: str) -> None:
        self._runner, self._job_id = runner, job_id

    def expect(self, items_total: int) -> None:
        """The job turns out to hold this many items (e.g. once its files are read)."""
        self._runner._update(self._job_id, items_total=items_total)

    def advance(self, items: int) -> None:
        """``items`` more items are written."""
        self._runner._advance(self._job_id, items)


class Report(Protocol):
    """What an import reports (``ImportReport``, ``SireneReport``)."""

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        ...


# The work of a job: import, telling the progress, and return the report.
Work = Callable[[JobProgress], Report]


class JobRunner:
    """Runs import jobs one after the other and remembers them."""

    def __init__(self) -> None:
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="meute-import")

    def submit(self, what: str, items_total: int, work: Work) -> ImportJob:
        """Queue ``work`` and return its job at once."""
        job = ImportJob(
            id=uuid.uuid4().hex[:12],
            what=what,
            items_total=items_total,
            created_at=dt.datetime.now(dt.UTC),
        )
        with self._lock:
            self._jobs[job.id] = job
        self._executor.submit(self._run, job.id, work)
        return job

    def get(self, job_id: str) -> ImportJob:
        """A snapshot of the job (NotFound when this process has no such job)."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise NotFound(f"no import job {job_id}", [Problem("id", job_id, "unknown job")])
            return job.model_copy()

    def all(self) -> list[ImportJob]:
        """Every job of this process, newest first."""
        with self._lock:
            jobs = [job.model_copy() for job in self._jobs.values()]
        return sorted(jobs, key=lambda job: job.created_at, reverse=True)

    def shutdown(self) -> None:
        """Stop taking jobs; a running one finishes its current batch."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs[job_id]
            self._jobs[job_id] = job.model_copy(update=changes)

    def _advance(self, job_id: str, items: int) -> None:
        with self._lock:
            job = self._jobs[job_id]
            job.items_done += items

    def _run(self, job_id: str, work: Work) -> None:
        self._update(job_id, status=JobStatus.RUNNING)
        try:
            report = work(JobProgress(self, job_id))
        except MeuteError as error:
            self._finish(job_id, JobStatus.FAILED, error=error.detail, errors=error.problems)
        except Exception as error:  # a job must end in a state, whatever failed
            self._finish(job_id, JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
        else:
            self._finish(job_id, JobStatus.DONE, report=report.as_dict())

    def _finish(
        self,
        job_id: str,
        status: JobStatus,
        report: dict[str, Any] | None = None,
        error: str | None = None,
        errors: list[Problem] | None = None,
    ) -> None:
        self._update(
            job_id,
            status=status,
            finished_at=dt.datetime.now(dt.UTC),
            report=report,
            error=error,
            errors=[p.as_dict() for p in errors or []],
        )
