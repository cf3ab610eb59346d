"""Imports through the API: validated at once, written by a background job to poll."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Request, UploadFile

from api.auth import OfficerDep
from api.deps import StoreDep
from api.examples import FIRM_EXAMPLE, IMPORT_JOB_EXAMPLE, example_response
from api.jobs import ImportJob, JobProgress, JobRunner, Work
from api.service import ImportDocument, import_decp, import_document, import_sirene
from graph.errors import InvalidInput, Problem
from graph.sirene import SireneReport, naf_prefixes
from graph.store import GraphStore, ImportReport

router = APIRouter(prefix="/imports", tags=["imports"])

MAX_UPLOAD_BYTES = 500 * 1024 * 1024


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
            return import_decp(store, paths, progress.advance, progress.expect)[0]
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return work


def _sirene_work(store: GraphStore, folder: Path, paths: list[Path], create_naf: list[str]) -> Work:
    def work(progress: JobProgress) -> SireneReport:
        try:
            return import_sirene(
                store, paths, create_naf, progress=progress.advance, expect=progress.expect
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    return work


def _saved(files: list[UploadFile], prefix: str) -> tuple[Path, list[Path]]:
    """The uploads saved to a new temporary folder (refused, nothing kept, above 500 MB)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    paths = []
    for index, upload in enumerate(files):
        name = Path(upload.filename or f"upload-{index}").name
        path = folder / f"{index}-{name}"
        with path.open("wb") as handle:
            shutil.copyfileobj(upload.file, handle)
        if path.stat().st_size > MAX_UPLOAD_BYTES:
            shutil.rmtree(folder, ignore_errors=True)
            problem = Problem(f"files[{index}]", name, "larger than 500 MB")
            raise InvalidInput("file too large", [problem])
        paths.append(path)
    return folder, paths


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
    _: OfficerDep,
) -> ImportJob:
    """Read French award data (DECP) into firms and collaborations in the background.

    A file that is not DECP fails the job with the file named; records that cannot be used are
    reported, never imported half.
    """
    folder, paths = _saved(files, "meute-decp-")
    work = _decp_work(store, folder, paths)
    return _runner(request).submit(f"DECP: {', '.join(p.name for p in paths)}", 0, work)


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
    folder, paths = _saved(files, "meute-sirene-")
    work = _sirene_work(store, folder, paths, create_naf)
    return _runner(request).submit(f"SIRENE: {', '.join(p.name for p in paths)}", 0, work)


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
