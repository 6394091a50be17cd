"""Hook implementations of soe-celery."""

from typing import Any

from soe_core import CallerType, hookimpl

# celery is imported on first use, not when `soe` loads its plugins (~0.2 s)


def build_celery_caller(*args: Any, **kwargs: Any) -> Any:
    from .caller import build_celery_caller as build

    return build(*args, **kwargs)


def serve(*args: Any, **kwargs: Any) -> Any:
    from .worker import serve as run_worker

    return run_worker(*args, **kwargs)


@hookimpl
def soe_callers():
    return [
        CallerType(
            "celery",
            build_celery_caller,
            "distributed: every job runs on Celery workers started with `soe worker` "
            "(broker_url, env SOE_BROKER_URL; the workers share the store)",
            serve=serve,
        )
    ]
