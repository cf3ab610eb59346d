"""Importing published notices from the console: « Importer un avis » (TED CSV files).

The files are read and imported by the same background job as ``POST /imports/ted``; the
job's page follows it (it reloads itself until the job ends) and then shows its report.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from meute.api.console.base import PREFIX, FormDep, OfficerDep, found, render
from meute.api.deps import SettingsDep, StoreDep
from meute.api.jobs import JobStatus
from meute.api.routes.imports import job_runner, submit_files

__all__ = ["router"]

router = APIRouter(prefix=PREFIX, include_in_schema=False)
NOTICE_PAGE = f"{PREFIX}/avis"
FILES_FIELD = "fichiers"
STATUS_WORDS = {
    JobStatus.QUEUED: "en attente",
    JobStatus.RUNNING: "en cours",
    JobStatus.DONE: "terminé",
    JobStatus.FAILED: "échec",
    JobStatus.INTERRUPTED: "interrompu",
}


@router.get("/avis", response_class=HTMLResponse)
def notice_page(request: Request, principal: OfficerDep) -> HTMLResponse:
    """The upload form for TED notice files, and this server's import jobs."""
    jobs = job_runner(request).all()
    return render(request, "avis.html", principal, jobs=jobs, error=None, status_words=STATUS_WORDS)


@router.post("/avis", response_model=None)
def upload_notices(
    request: Request, form: FormDep, store: StoreDep, settings: SettingsDep, principal: OfficerDep
) -> Response:
    """Start importing the uploaded TED files in the background, then follow the job."""
    files = [
        item for item in form.getlist(FILES_FIELD) if isinstance(item, UploadFile) and item.filename
    ]
    if not files:
        jobs = job_runner(request).all()
        error = "Choisissez au moins un fichier d'avis TED (CSV ou CSV compressé .gz)."
        return render(
            request,
            "avis.html",
            principal,
            422,
            jobs=jobs,
            error=error,
            status_words=STATUS_WORDS,
        )
    job = submit_files(job_runner(request), store, files, "ted", settings.limits)
    return RedirectResponse(f"{NOTICE_PAGE}/{job.id}", status_code=303)


@router.get("/avis/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, job_id: str, principal: OfficerDep) -> HTMLResponse:
    """An import job: its progress while it runs, then its report or its error."""
    with found(principal, f"l'import « {job_id} »"):
        job = job_runner(request).get(job_id)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(
        request, "avis_import.html", principal, job=job, running=running, status_words=STATUS_WORDS
    )
