"""Imports through the API: validated at once, written by a background job to poll."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Body, File, Form, Request, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload

from meute.api.auth import OfficerDep
from meute.api.deps import SettingsDep, StoreDep
from meute.api.examples import FIRM_EXAMPLE, IMPORT_JOB_EXAMPLE, example_response
from meute.api.jobs import ImportJob, JobProgress, JobRunner, Report, Work, new_job_id
from meute.api.service import (
    ImportDocument,
    import_document,
    import_sirene,
    parse_json_file,
    store_decp_document,
    ted_document,
)
from meute.api.settings import LimitSettings
from meute.graph.decp import ArchiveLimits, check_archive
from meute.graph.errors import InvalidInput, Problem
from meute.graph.sirene import naf_prefixes
from meute.graph.store import GraphStore

__all__ = ["job_runner", "router", "submit_files"]

router = APIRouter(prefix="/imports", tags=["imports"])


DOCUMENT = "document.json"
OPTIONS = "options.json"  # a SIRENE job's NAF codes to create, beside its files

# How each kind of uploaded file becomes a document to import into a store.
READERS: dict[str, Callable[[GraphStore, list[Path]], ImportDocument]] = {
    "decp": lambda store, paths: store_decp_document(store, paths)[0],
    "ted": lambda _, paths: ted_document(paths)[0],
}


def job_runner(request: Request) -> JobRunner:
    """The serving process's import jobs."""
    runner: JobRunner = request.app.state.jobs
    return runner


def _work(store: GraphStore, kind: str, folder: Path) -> Work:
    """The import a job does from the inputs kept in its folder (for a first run or a retry)."""

    def work(progress: JobProgress) -> Report:
        if kind == "json":
            document = parse_json_file(folder / DOCUMENT, ImportDocument)
            return import_document(store, document, progress.advance)
        paths = sorted(p for p in folder.iterdir() if p.is_file() and p.name != OPTIONS)
        if kind == "sirene":
            create_naf = json.loads((folder / OPTIONS).read_text(encoding="utf-8"))
            return import_sirene(
                store, paths, create_naf, progress=progress.advance, expect=progress.expect
            )
        document = READERS[kind](store, paths)
        progress.expect(document.size())
        return import_document(store, document, progress.advance)

    return work


def submit_files(
    runner: JobRunner,
    store: GraphStore,
    files: Sequence[StarletteUpload],
    kind: str,
    limits: LimitSettings,
    create_naf: Sequence[str] = (),
) -> ImportJob:
    """Keep the uploaded files of a ``kind`` (``decp``, ``ted``, ``sirene``) as a new job's
    inputs (zip files checked before anything is extracted: 422 naming the file), then import
    them in the background.
    """
    job_id = new_job_id()
    folder = runner.folder(job_id)
    (folder / OPTIONS).write_text(json.dumps(list(create_naf)), encoding="utf-8")
    archive = ArchiveLimits(limits.zip_bytes, limits.zip_ratio, limits.zip_members)
    paths = []
    try:
        for index, upload in enumerate(files):
            name = Path(upload.filename or f"upload-{index}").name
            path = folder / f"{index}-{name}"
            with path.open("wb") as handle:
                shutil.copyfileobj(upload.file, handle)
            upload.file.close()  # a console form's uploads are not closed by FastAPI
            try:
                check_archive(path, archive)
            except InvalidInput as error:
                problem = Problem(f"files[{index}]", name, error.problems[0].message)
                raise InvalidInput(error.detail, [problem]) from None
            paths.append(path)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    what = f"{kind.upper()}: {', '.join(p.name for p in paths)}"
    return runner.submit(job_id, what, kind, 0, _work(store, kind, folder))


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
    runner, job_id = job_runner(request), new_job_id()
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
    files: Annotated[
        list[UploadFile], File(description="DECP award files (JSON, zip or tabular CSV).")
    ],
    store: StoreDep,
    settings: SettingsDep,
    _: OfficerDep,
) -> ImportJob:
    """Read French award data (DECP) into firms and collaborations in the background.

    Zip files are checked before anything is extracted (size, expansion ratio, members: 422).
    A file that is not DECP fails the job with the file named; records that cannot be used are
    reported, never imported half. A fact the store holds from a stronger source (SIRENE,
    declared) is kept.
    """
    return submit_files(job_runner(request), store, files, "decp", settings.limits)


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
    settings: SettingsDep,
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
    runner = job_runner(request)
    return submit_files(runner, store, files, "sirene", settings.limits, create_naf)


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
    settings: SettingsDep,
    _: OfficerDep,
) -> ImportJob:
    """Read foreign tenders from TED award notices (one per notice) in the background.

    A file not in TED's CSV layout fails the job with the file and its missing columns named;
    notices that cannot be used are left out (see ``meute import ted`` for the reasons), never
    imported half. Re-importing the same files leaves every tender unchanged.
    """
    return submit_files(job_runner(request), store, files, "ted", settings.limits)


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
    runner = job_runner(request)
    job = runner.get(job_id)
    return runner.retry(job_id, _work(store, job.kind, runner.inputs / job_id))


@router.get(
    "", summary="Import jobs of this server", responses=example_response([IMPORT_JOB_EXAMPLE])
)
def list_jobs(request: Request, _: OfficerDep) -> list[ImportJob]:
    """Every import job recorded in the store, newest first."""
    return job_runner(request).all()


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
    return job_runner(request).get(job_id)
