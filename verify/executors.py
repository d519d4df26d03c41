"""Running checks on any `concurrent.futures.Executor`, e.g. a Dask cluster.

The default is verify's own supervisor (`verify.workers`: forked workers with time and memory
limits). `--executor dask://HOST:PORT` sends each claim to a Dask distributed cluster through
`Client.get_executor()`, a true `concurrent.futures.Executor`; remote workers do not get verify's
rlimits (configure the cluster's own limits), and a claim that raises is that claim's error.
"""

from __future__ import annotations

from concurrent.futures import Executor, as_completed
from typing import Callable, Iterable, Optional

from verify.checks.records import claim_error
from verify.model import Claim


def _check(claim: Claim, seed, precisions) -> dict:
    from verify.check_claim import check_claim
    return check_claim(claim, seed, precisions)


def run_on_executor(executor: Executor, claims: Iterable[Claim], seed=None, precisions=(50, 80),
                    on_done: Optional[Callable[[dict], None]] = None) -> dict[str, dict]:
    """Submit one task per claim and collect the records as they finish."""
    futures = {executor.submit(_check, c, seed, tuple(precisions)): c for c in claims}
    results: dict[str, dict] = {}
    for fut in as_completed(futures):
        claim = futures[fut]
        try:
            rec = fut.result()
        except Exception as exc:  # noqa: BLE001 - one claim's failure, not the run's
            rec = claim_error(claim.id, "error", f"the executor reported: {type(exc).__name__}: {exc}", "executor")
        results[rec["id"]] = rec
        if on_done:
            on_done(rec)
    return results


def dask_executor(url: str):
    """(client, executor) for `dask://HOST:PORT` (needs `pip install verify[dask]`)."""
    try:
        from distributed import Client
    except ImportError:
        raise SystemExit("error: --executor dask://... needs Dask: pip install 'verify[dask]'") from None
    address = "tcp://" + url[len("dask://"):]
    client = Client(address)
    return client, client.get_executor()
