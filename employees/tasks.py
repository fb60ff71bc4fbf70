"""Background tasks, run by the worker (`manage.py db_worker`)."""

from django_tasks import task

from employees import uploads


@task()
def upload_check(job_id: str) -> None:
    uploads.upload_job_check(job_id=job_id)


@task()
def upload_write(job_id: str) -> None:
    uploads.upload_job_write(job_id=job_id)
