"""Imports through the API: validated at once, written by a background job to poll."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, File, Request, UploadFile

from api.auth import OfficerDep
from api.deps import SettingsDep, StoreDep
from api.examples import FIRM_EXAMPLE, IMPORT_JOB_EXAMPLE, example_response
from api.jobs import ImportJob, JobProgress, JobRunner, Work, new_job_id
from api.service import ImportDocument, decp_document, import_document, parse_json_file
from graph.decp import ArchiveLimits, check_archive
from graph.errors import InvalidInput, Problem
from graph.store import GraphStore, ImportReport

router = APIRouter(prefix="/imports", tags=["imports"])


DOCUMENT = "document.json"


def _runner(request: Request) -> JobRunner:
    runner: JobRunner = request.app.state.jobs
    return runner


def _work(store: GraphStore, kind: str, folder: Path) -> Work:
    """The import a job does from the inputs kept in its folder (for a first run or a retry)."""

    def work(progress: JobProgress) -> ImportReport:
        if kind == "decp":
            document, _ = decp_document(sorted(p for p in folder.iterdir() if p.is_file()))
            progress.expect(document.size())
        else:
            document = parse_json_file(folder / DOCUMENT, ImportDocument)
        return import_document(store, document, progress.advance)

    return work


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
    runner, job_id = _runner(request), new_job_id()
    folder = runner.folder(job_id)
    (folder / DOCUMENT).write_text(document.model_dump_json(by_alias=True), encoding="utf-8")
    work = _work(store, "json", folder)
    return runner.submit(job_id, "json document", "json", document.size(), work)


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

    Zip files are checked before anything is extracted (size, expansion ratio, members: 422).
    A file that is not DECP fails the job with the file named; records that cannot be used are
    reported, never imported half.
    """
    runner, job_id = _runner(request), new_job_id()
    folder = runner.folder(job_id)
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
    what = f"DECP: {', '.join(p.name for p in paths)}"
    return runner.submit(job_id, what, "decp", 0, _work(store, "decp", folder))


@router.post(
    "/{job_id}/retry",
    status_code=202,
    response_model=ImportJob,
    summary="Retry an interrupted or failed import",
    responses=example_response(IMPORT_JOB_EXAMPLE, 202),
)
def retry_job(job_id: str, request: Request, store: StoreDep, _: OfficerDep) -> ImportJob:
    """Run the job again from its kept inputs (imports are idempotent: what was written before
    is found unchanged); 422 when the job is queued, running or done.
    """
    runner = _runner(request)
    job = runner.get(job_id)
    return runner.retry(job_id, _work(store, job.kind, runner.inputs / job_id))


@router.get(
    "", summary="Import jobs of this server", responses=example_response([IMPORT_JOB_EXAMPLE])
)
def list_jobs(request: Request, _: OfficerDep) -> list[ImportJob]:
    """Every import job recorded in the store, newest first."""
    return _runner(request).all()


@router.get(
    "/{job_id}",
    response_model=ImportJob,
    summary="One import job",
    responses=example_response(IMPORT_JOB_EXAMPLE),
)
def get_job(job_id: str, request: Request, _: OfficerDep) -> ImportJob:
    """The job's status (queued, running, done, failed, interrupted), items done, then its
    report or errors.
    """
    return _runner(request).get(job_id)
