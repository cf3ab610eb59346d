"""Imports through the API: validated at once, written by a background job to poll."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload

from api.auth import OfficerDep
from api.deps import StoreDep
from api.examples import FIRM_EXAMPLE, IMPORT_JOB_EXAMPLE, example_response
from api.jobs import ImportJob, JobProgress, JobRunner, Work
from api.service import (
    ImportDocument,
    import_document,
    import_sirene,
    store_decp_document,
    ted_document,
)
from graph.errors import InvalidInput, Problem
from graph.sirene import SireneReport, naf_prefixes
from graph.store import GraphStore, ImportReport

__all__ = ["job_runner", "router", "submit_files", "ted_tenders"]

router = APIRouter(prefix="/imports", tags=["imports"])

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


def job_runner(request: Request) -> JobRunner:
    """The serving process's import jobs."""
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

    return job_runner(request).submit("json document", document.size(), work)


def _file_work(
    store: GraphStore,
    folder: Path,
    paths: list[Path],
    read: Callable[[list[Path]], ImportDocument],
) -> Work:
    def work(progress: JobProgress) -> ImportReport:
        try:
            document = read(paths)
            progress.expect(document.size())
            return import_document(store, document, progress.advance)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return work


def _saved_uploads(files: Sequence[StarletteUpload], prefix: str) -> tuple[Path, list[Path]]:
    """The uploaded files written to a new temporary folder (refused past 500 MB each)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    paths = []
    for index, upload in enumerate(files):
        name = Path(upload.filename or f"upload-{index}").name
        path = folder / f"{index}-{name}"
        with path.open("wb") as handle:
            shutil.copyfileobj(upload.file, handle)
        upload.file.close()  # a console form's uploads are not closed by FastAPI
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            shutil.rmtree(folder, ignore_errors=True)
            problem = Problem(f"files[{index}]", name, "larger than 500 MB")
            raise InvalidInput("file too large", [problem])
        paths.append(path)
    return folder, paths


def ted_tenders(paths: list[Path]) -> ImportDocument:
    """The tenders of TED notice files, as a document to import."""
    return ted_document(paths)[0]


def submit_files(
    runner: JobRunner,
    store: GraphStore,
    files: Sequence[StarletteUpload],
    what: str,
    read: Callable[[list[Path]], ImportDocument],
) -> ImportJob:
    """Save uploaded files, then read and import them in a background job."""
    folder, paths = _saved_uploads(files, f"meute-{what.lower()}-")
    work = _file_work(store, folder, paths, read)
    return runner.submit(f"{what}: {', '.join(p.name for p in paths)}", 0, work)


@router.post(
    "/decp",
    status_code=202,
    response_model=ImportJob,
    summary="Import DECP files",
    responses=example_response(IMPORT_JOB_EXAMPLE, 202),
)
def post_decp(
    request: Request,
    files: Annotated[
        list[UploadFile], File(description="DECP award files (JSON, zip or tabular CSV).")
    ],
    store: StoreDep,
    _: OfficerDep,
) -> ImportJob:
    """Read French award data (DECP) into firms and collaborations in the background.

    A file that is not DECP fails the job with the file named; records that cannot be used are
    reported, never imported half. A fact the store holds from a stronger source (SIRENE,
    declared) is kept.
    """
    return submit_files(
        job_runner(request),
        store,
        files,
        "DECP",
        lambda paths: store_decp_document(store, paths)[0],
    )


def _sirene_work(store: GraphStore, folder: Path, paths: list[Path], create_naf: list[str]) -> Work:
    def work(progress: JobProgress) -> SireneReport:
        try:
            return import_sirene(
                store, paths, create_naf, progress=progress.advance, expect=progress.expect
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return work


@router.post(
    "/sirene",
    status_code=202,
    response_model=ImportJob,
    summary="Import SIRENE registry files",
    responses=example_response(IMPORT_JOB_EXAMPLE, 202),
)
def post_sirene(
    request: Request,
    files: Annotated[
        list[UploadFile],
        File(description="SIRENE stock files (StockUniteLegale, StockEtablissement): CSV or zip."),
    ],
    store: StoreDep,
    _: OfficerDep,
    create_naf: Annotated[
        list[str],
        Form(description="Also create the legal units of these NAF codes or prefixes."),
    ] = [],  # noqa: B006 - FastAPI copies defaults
) -> ImportJob:
    """Enrich the stored firms with their registry facts (name, NAF, headcount band, category,
    head-office region, creation date, ceased or active) in the background.

    The job's report counts rows read and not in the store, firms matched, created, updated,
    unchanged and rejected (with reasons); a malformed file fails the job naming the file,
    line and column, and nothing is written.
    """
    naf_prefixes(create_naf)
    folder, paths = _saved_uploads(files, "meute-sirene-")
    work = _sirene_work(store, folder, paths, create_naf)
    return job_runner(request).submit(f"SIRENE: {', '.join(p.name for p in paths)}", 0, work)


@router.post(
    "/ted",
    status_code=202,
    response_model=ImportJob,
    summary="Import TED award notices",
    responses=example_response(IMPORT_JOB_EXAMPLE, 202),
)
def post_ted(
    request: Request,
    files: Annotated[list[UploadFile], File(description="TED notice CSV files (or .csv.gz).")],
    store: StoreDep,
    _: OfficerDep,
) -> ImportJob:
    """Read foreign tenders from TED award notices (one per notice) in the background.

    A file not in TED's CSV layout fails the job with the file and its missing columns named;
    notices that cannot be used are left out (see ``meute import ted`` for the reasons), never
    imported half. Re-importing the same files leaves every tender unchanged.
    """
    return submit_files(
        job_runner(request), store, files, "TED", lambda paths: ted_document(paths)[0]
    )


@router.get(
    "", summary="Import jobs of this server", responses=example_response([IMPORT_JOB_EXAMPLE])
)
def list_jobs(request: Request, _: OfficerDep) -> list[ImportJob]:
    """Every import job since the server started, newest first."""
    return job_runner(request).all()


@router.get(
    "/{job_id}",
    response_model=ImportJob,
    summary="One import job",
    responses=example_response(IMPORT_JOB_EXAMPLE),
)
def get_job(job_id: str, request: Request, _: OfficerDep) -> ImportJob:
    """The job's status (queued, running, done, failed), items done, then report or errors."""
    return job_runner(request).get(job_id)
