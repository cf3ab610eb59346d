"""Long imports through the API run as background jobs whose progress can be polled.

Jobs run one at a time in a worker thread of the serving process. Each job is also recorded in
the store's records (kind ``import_job``) at every change: queued, running with the items
written so far, done with its report, failed with its error. A server that restarts finds the
jobs it was running still ``queued`` or ``running`` in the records and marks them
``interrupted``: their ``items_done`` says what was written. Their inputs are kept in a folder
of their own until they are done, so an interrupted or failed job can be retried (imports are
idempotent: a retry ends with the same totals as a clean import).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import shutil
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel, Field

from meute.api.logs import logger
from meute.graph.errors import InvalidInput, MeuteError, NotFound, Problem, StoreUnavailable
from meute.graph.records import Records
from meute.graph.store import GraphStore

__all__ = ["ImportJob", "JobProgress", "JobRunner", "JobStatus", "Report", "Work", "new_job_id"]

KIND = "import_job"


class JobStatus(StrEnum):
    """Where a job stands."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


UNFINISHED = frozenset({JobStatus.QUEUED, JobStatus.RUNNING})
RETRYABLE = frozenset({JobStatus.FAILED, JobStatus.INTERRUPTED})


class ImportJob(BaseModel):
    """An import running in the background: its progress, then its report or its error."""

    id: str
    what: str
    kind: str = Field("json", description="What the job imports: json or decp.")
    status: JobStatus = JobStatus.QUEUED
    items_total: int
    items_done: int = 0
    attempts: int = Field(1, description="1, then one more at each retry.")
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


# Progress is logged each time another tenth of a job's items is done.
PROGRESS_STEPS = 10


class Report(Protocol):
    """What an import reports (``ImportReport``, ``SireneReport``)."""

    def as_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        ...


# The work of a job: import, telling the progress, and return the report.
Work = Callable[[JobProgress], Report]


def new_job_id() -> str:
    """A fresh job id (12 hex digits)."""
    return uuid.uuid4().hex[:12]


class JobRunner:
    """Runs import jobs one after the other, recording each in the store's records.

    ``store`` gives the store (it raises StoreUnavailable while it is down: the job is then
    kept in memory and recorded at its next change); ``inputs`` is the folder holding each
    job's input files, in a subfolder named after the job.
    """

    def __init__(self, store: Callable[[], GraphStore], inputs: Path) -> None:
        self._store = store
        self.inputs = inputs
        self._jobs: dict[str, ImportJob] = {}
        self._recovered = False
        self._lock = threading.RLock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="meute-import")

    def folder(self, job_id: str) -> Path:
        """The folder of the job's inputs (created)."""
        path = self.inputs / job_id
        path.mkdir(parents=True, exist_ok=True)
        return path

    def submit(self, job_id: str, what: str, kind: str, items_total: int, work: Work) -> ImportJob:
        """Queue ``work`` as job ``job_id`` and return the job at once."""
        job = ImportJob(
            id=job_id,
            what=what,
            kind=kind,
            items_total=items_total,
            created_at=dt.datetime.now(dt.UTC),
        )
        with self._lock:
            self._recover()
            self._jobs[job.id] = job
            self._record(job)
        # the job's log lines carry the id of the request that submitted it
        self._executor.submit(contextvars.copy_context().run, self._run, job.id, work)
        return job

    def retry(self, job_id: str, work: Work) -> ImportJob:
        """Run an interrupted or failed job again from its kept inputs."""
        with self._lock:
            job = self.get(job_id)
            if job.status not in RETRYABLE:
                problem = Problem("status", job.status.value, "only a failed or interrupted job")
                raise InvalidInput(f"job {job_id} cannot be retried", [problem])
            job = job.model_copy(
                update={
                    "status": JobStatus.QUEUED,
                    "items_done": 0,
                    "attempts": job.attempts + 1,
                    "finished_at": None,
                    "report": None,
                    "error": None,
                    "errors": [],
                }
            )
            self._jobs[job_id] = job
            self._record(job)
        self._executor.submit(contextvars.copy_context().run, self._run, job_id, work)
        return job

    def get(self, job_id: str) -> ImportJob:
        """A snapshot of the job, from this process or from the records (NotFound if none)."""
        with self._lock:
            self._recover()
            job = self._jobs.get(job_id)
            if job is None:
                job = self._stored().get(job_id)
            if job is None:
                raise NotFound(f"no import job {job_id}", [Problem("id", job_id, "unknown job")])
            return job.model_copy()

    def all(self) -> list[ImportJob]:
        """Every recorded job and every job of this process, newest first."""
        with self._lock:
            self._recover()
            jobs = {job.id: job for job in self._stored().all()}
            jobs.update({job.id: job.model_copy() for job in self._jobs.values()})
        return sorted(jobs.values(), key=lambda job: job.created_at, reverse=True)

    def shutdown(self) -> None:
        """Stop taking jobs; a running one finishes its current batch."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- records ---------------------------------------------------------------------------

    def _stored(self) -> Records[ImportJob]:
        return Records(self._store(), KIND, ImportJob)

    def _record(self, job: ImportJob) -> None:
        try:
            self._stored().put(job.id, job)
        except StoreUnavailable as error:
            logger.warning("import job %s not recorded (%s): kept in memory", job.id, error.detail)

    def _recover(self) -> None:
        """Once the store is reachable: mark the unfinished jobs of a previous run interrupted."""
        if self._recovered:
            return
        try:
            stored = self._stored().all()
        except StoreUnavailable:
            return
        for job in stored:
            if job.status in UNFINISHED and job.id not in self._jobs:
                interrupted = job.model_copy(
                    update={
                        "status": JobStatus.INTERRUPTED,
                        "finished_at": dt.datetime.now(dt.UTC),
                        "error": f"the server stopped; {job.items_done} items were written",
                    }
                )
                self._record(interrupted)
        self._recovered = True

    # -- running ---------------------------------------------------------------------------

    def _update(self, job_id: str, **changes: Any) -> None:
        with self._lock:
            job = self._jobs[job_id] = self._jobs[job_id].model_copy(update=changes)
            self._record(job)

    def _advance(self, job_id: str, items: int) -> None:
        with self._lock:
            job = self._jobs[job_id]
            before, done = job.items_done, job.items_done + items
            self._update(job_id, items_done=done)
            step = max(job.items_total // PROGRESS_STEPS, 1)
            if done // step > before // step:
                logger.info(
                    "import job progress",
                    extra={"job": job_id, "done": done, "total": job.items_total},
                )

    def _run(self, job_id: str, work: Work) -> None:
        self._update(job_id, status=JobStatus.RUNNING)
        job = self.get(job_id)
        logger.info(
            "import job started", extra={"job": job_id, "what": job.what, "total": job.items_total}
        )
        try:
            report = work(JobProgress(self, job_id))
        except MeuteError as error:
            logger.warning(
                "import job failed: %s",
                error.detail,
                extra={"job": job_id, "errors": [str(p) for p in error.problems]},
            )
            self._finish(job_id, JobStatus.FAILED, error=error.detail, errors=error.problems)
        except Exception as error:  # a job must end in a state, whatever failed
            logger.exception("import job failed", extra={"job": job_id})
            self._finish(job_id, JobStatus.FAILED, error=f"{type(error).__name__}: {error}")
        else:
            summary = report.as_dict()
            self._finish(job_id, JobStatus.DONE, report=summary)
            shutil.rmtree(self.inputs / job_id, ignore_errors=True)
            counts = (
                f"{key} {len(value) if isinstance(value, list) else value}"
                for key, value in summary.items()
                if isinstance(value, int | list)
            )
            logger.info("import job done: %s", ", ".join(counts), extra={"job": job_id})

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
