"""Uploads as background jobs: store the file, check it, show what it would do, write it.

A workbook of 200,000 rows takes longer to read than a web server waits, so
the request only stores the file and queues a task (employees.tasks); the
worker (`manage.py db_worker`) checks it and computes the preview without
writing, the owner confirms on the page, and a second task writes it, all or
nothing as before. The page polls the job for its progress.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import asdict

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from employees.models import UploadJob, UploadJobStatus, UploadKind, User
from employees.services import employees_import, employees_import_preview
from spreadsheets import ImportRejected, Progress

logger = logging.getLogger(__name__)

# The preview and the result list at most this many employees of each kind;
# the counts are always complete.
LISTED_AT_MOST = 1000
# Progress is written at most this often: each write is a query.
_PROGRESS_INTERVAL = 0.5


def _progress_writer(job: UploadJob, *, start: int, end: int) -> Progress:
    """A read_rows progress callback moving the job's bar from `start` to `end` percent."""
    last = [0.0]

    def report(done: int, expected: int) -> None:
        now = time.monotonic()
        if now - last[0] < _PROGRESS_INTERVAL:
            return
        last[0] = now
        share = min(done / expected, 1.0) if expected else 0.5
        UploadJob.objects.filter(pk=job.pk).update(progress=start + int((end - start) * share))

    return report


def _failed(job: UploadJob, errors: list[str]) -> None:
    # Nothing of the file is kept once the job has ended.
    job.status = UploadJobStatus.FAILED
    job.errors = errors
    job.content = b""
    job.progress = 100
    job.save(update_fields=["status", "errors", "content", "progress", "updated_at"])


def upload_job_start(*, owner: User, kind: UploadKind, name: str, content: bytes) -> UploadJob:
    """Store the uploaded file and queue its check; the page then follows the job."""
    from employees.tasks import upload_check

    job = UploadJob(owner=owner, kind=kind, name=name, content=content)
    job.full_clean(exclude=["content"])
    job.save()
    transaction.on_commit(lambda: upload_check.enqueue(str(job.pk)))
    return job


def upload_job_check(*, job_id: str) -> None:
    """The first task: read and check the file and compute the preview; nothing is written."""
    job = UploadJob.objects.get(pk=job_id)
    if job.status != UploadJobStatus.QUEUED:
        return  # already checked (a task run twice)
    job.status = UploadJobStatus.CHECKING
    job.progress = 1
    job.save(update_fields=["status", "progress", "updated_at"])
    try:
        preview = employees_import_preview(
            source=io.BytesIO(bytes(job.content)),
            name=job.name,
            progress=_progress_writer(job, start=1, end=95),
        )
    except ImportRejected as exc:
        _failed(job, exc.errors)
        return
    except Exception:
        logger.exception("Checking upload %s failed", job.pk)
        _failed(
            job, [_("%(file)s could not be checked; nothing was changed.") % {"file": job.name}]
        )
        raise
    data = asdict(preview)
    data["creates_count"] = len(preview.creates)
    data["updates_count"] = len(preview.updates)
    data["creates"] = preview.creates[:LISTED_AT_MOST]
    data["updates"] = preview.updates[:LISTED_AT_MOST]
    job.preview = data
    job.status = UploadJobStatus.READY
    job.progress = 100
    job.save(update_fields=["preview", "status", "progress", "updated_at"])


def upload_job_confirm(*, job: UploadJob, by: User) -> UploadJob:
    """The owner confirms the preview: queue the write."""
    from employees.tasks import upload_write

    if job.owner_id != by.pk:
        raise PermissionDenied
    with transaction.atomic():
        updated = UploadJob.objects.filter(pk=job.pk, status=UploadJobStatus.READY).update(
            status=UploadJobStatus.CONFIRMED, progress=0
        )
        if updated:
            transaction.on_commit(lambda: upload_write.enqueue(str(job.pk)))
    job.refresh_from_db()
    return job


def upload_job_write(*, job_id: str) -> None:
    """The second task: import the confirmed file, all or nothing, and keep who changed."""
    job = UploadJob.objects.get(pk=job_id)
    if job.status != UploadJobStatus.CONFIRMED:
        return
    job.status = UploadJobStatus.WRITING
    job.progress = 1
    job.save(update_fields=["status", "progress", "updated_at"])
    try:
        # The file is checked again: the staff list may have changed since the
        # preview, and the write must stand on its own.
        report = employees_import(
            source=io.BytesIO(bytes(job.content)), name=job.name, imported_by=job.owner
        )
    except ImportRejected as exc:
        _failed(job, exc.errors)
        return
    except Exception:
        logger.exception("Writing upload %s failed", job.pk)
        _failed(
            job, [_("%(file)s could not be imported; nothing was changed.") % {"file": job.name}]
        )
        raise
    job.result = {
        "rows": report.rows,
        "created": report.created,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "departments_created": report.departments_created,
        "created_names": list(report.created_names[:LISTED_AT_MOST]),
        "updated_names": list(report.updated_names[:LISTED_AT_MOST]),
    }
    job.status = UploadJobStatus.DONE
    job.progress = 100
    job.content = b""
    job.save(update_fields=["result", "status", "progress", "content", "updated_at"])
