"""Imports through the API: validated at once, written by a background job to poll."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, File, Request, UploadFile

from api.auth import OfficerDep
from api.deps import SettingsDep, StoreDep
from api.examples import FIRM_EXAMPLE, IMPORT_JOB_EXAMPLE, example_response
from api.jobs import ImportJob, JobProgress, JobRunner, Work
from api.service import ImportDocument, decp_document, import_document
from graph.decp import ArchiveLimits, check_archive
from graph.errors import InvalidInput, Problem
from graph.store import GraphStore, ImportReport

router = APIRouter(prefix="/imports", tags=["imports"])


def _runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


@router.post(
    "",
    status_code=202,
    response_model=ImportJob,
    summary="Import a JSON document",
    responses=example_response(IMPORT_JOB_EXAMPLE, 202),
)
def post_import(
    request: Request,
    document: Annotated[
        ImportDocument,
        Body(openapi_examples={"one firm": {"value": {"firms": [FIRM_EXAMPLE]}}}),
    ],
    store: StoreDep,
    _: OfficerDep,
) -> ImportJob:
    """Validate the whole document now (422 naming each bad field, nothing written), then
    import it in the background; poll ``GET /imports/{id}`` for progress and the report.
    """

    def work(progress: JobProgress) -> ImportReport:
        return import_document(store, document, progress.advance)

    return _runner(request).submit("json document", document.size(), work)


def _decp_work(store: GraphStore, folder: Path, paths: list[Path]) -> Work:
    def work(progress: JobProgress) -> ImportReport:
        try:
            document, _ = decp_document(paths)
            progress.expect(document.size())
            return import_document(store, document, progress.advance)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return work


@router.post(
    "/decp",
    status_code=202,
    response_model=ImportJob,
    summary="Import DECP files",
    responses=example_response(IMPORT_JOB_EXAMPLE, 202),
)
def post_decp(
    request: Request,
    files: Annotated[list[UploadFile], File(description="DECP award files (JSON or zip).")],
    store: StoreDep,
    settings: SettingsDep,
    _: OfficerDep,
) -> ImportJob:
    """Read French award data (DECP) into firms and collaborations in the background.

    A file that is not DECP fails the job with the file named; records that cannot be used are
    reported, never imported half.
    """
    folder = Path(tempfile.mkdtemp(prefix="meute-decp-"))
    limits = settings.limits
    archive = ArchiveLimits(limits.zip_bytes, limits.zip_ratio, limits.zip_members)
    paths = []
    try:
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{index}.json").name
            path = folder / f"{index}-{name}"
            with path.open("wb") as handle:
                shutil.copyfileobj(upload.file, handle)
            try:
                check_archive(path, archive)
            except InvalidInput as error:
                problem = Problem(f"files[{index}]", name, error.problems[0].message)
                raise InvalidInput(error.detail, [problem]) from None
            paths.append(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    work = _decp_work(store, folder, paths)
    return _runner(request).submit(f"DECP: {', '.join(p.name for p in paths)}", 0, work)


@router.get(
    "", summary="Import jobs of this server", responses=example_response([IMPORT_JOB_EXAMPLE])
)
def list_jobs(request: Request, _: OfficerDep) -> list[ImportJob]:
    """Every import job since the server started, newest first."""
    return _runner(request).all()


@router.get(
    "/{job_id}",
    response_model=ImportJob,
    summary="One import job",
    responses=example_response(IMPORT_JOB_EXAMPLE),
)
def get_job(job_id: str, request: Request, _: OfficerDep) -> ImportJob:
    """The job's status (queued, running, done, failed), items done, then report or errors."""
    return _runner(request).get(job_id)
