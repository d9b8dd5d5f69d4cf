from django_tasks import task


@task()
def nothing() -> None:
    return None
