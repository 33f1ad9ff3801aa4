"""`fwdnet run` and `fwdnet simulate` at chain sizes, from outside: wall time, stage times and
peak memory of the whole process tree.

    .venv/bin/python benchmarks/scale.py                       # 300, 1,000, 3,000 stores
    .venv/bin/python benchmarks/scale.py --quick               # 300 × 2,000 only
    .venv/bin/python benchmarks/scale.py --sizes 1000x2000 --only run
    .venv/bin/python benchmarks/scale.py --sizes 3000x20000 --only dask

Each case is a subprocess (`python -m fwdnet …`) on a scenario made by `fwdnet generate`
(kept under --work, reused when present). A sampler reads every process below this one each
0.2 s (psutil): `peak_rss_mb` is the largest sum of their resident sets (shared pages count
once per process, so forked pools count high) and `peak_pss_mb` the largest sum of their
proportional sets (shared pages split: the memory the tree really takes). Stage times come
from the run's run_meta.json. The `dask` case runs `fwdnet simulate --executor dask` against a
`dask.distributed.LocalCluster` of 2 worker processes started here; its workers are in the
tree. Cases merge into benchmarks/results/scale.json by name; the load average is recorded.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "results" / "scale.json"
SIZES = ("300x2000", "1000x2000", "3000x2000", "3000x20000")
KINDS = ("run", "simulate", "dask")
DASK_SIZE = "3000x20000"
TARGETS = {  # issue 18, at 1,000 stores × 2,000 SKUs on 2 cores
    "run:1000x2000": {"wall_s": 180, "peak_pss_mb": 2048},
    "simulate:1000x2000": {"wall_s": 90, "peak_pss_mb": 1024},
}


def parse_size(text: str) -> tuple[int, int]:
    """'1000x2000' → (stores, skus)."""
    try:
        stores, skus = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise SystemExit(f"--sizes: expected STORESxSKUS like 1000x2000, got {text!r}") from None
    return stores, skus


def fwdnet(*args: str) -> list[str]:
    return [sys.executable, "-m", "fwdnet", *args]


def scenario(work: Path, size: str) -> Path:
    """The scenario of `size` under `work` (made once by `fwdnet generate`)."""
    stores, skus = parse_size(size)
    name = f"s{stores}x{skus}"
    toml = work / name / f"{name}.toml"
    if not toml.is_file():
        print(f"[scale] generating {name} …", flush=True)
        args = ["--stores", str(stores), "--skus", str(skus), "--out", str(work / name),
                "--name", name]
        made = subprocess.run(fwdnet("generate", *args), cwd=ROOT, env=_env(), check=False)
        if made.returncode != 0:  # before `fwdnet generate`: the script (may be infeasible)
            subprocess.run([sys.executable, "-m", "fwdnet.scenarios.generate", *args],
                           check=True, cwd=ROOT, env=_env())
    return toml


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


class TreeSampler:
    """Peak summed RSS and PSS of every process below this one, sampled in a thread."""

    def __init__(self, every_s: float = 0.2) -> None:
        self.every_s = every_s
        self.peak_rss = 0
        self.peak_pss = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            rss = pss = 0
            for p in me.children(recursive=True):
                try:
                    info = p.memory_full_info()
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
                rss += info.rss
                pss += getattr(info, "pss", info.rss)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_pss = max(self.peak_pss, pss)
            self._stop.wait(self.every_s)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def local_cluster(workers: int = 2) -> Iterator[str]:
    """A LocalCluster of `workers` single-threaded worker processes; yields its address."""
    from distributed import LocalCluster

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:  # type: ignore[no-untyped-call]
        yield str(cluster.scheduler_address)


def measure(name: str, cmd: list[str], out_dir: Path, log: Path) -> dict[str, Any]:
    """Run `cmd`, sampling the tree; wall time, peaks, exit code and the run's stage times."""
    print(f"[scale] {name}: {' '.join(cmd[2:])}", flush=True)
    shutil.rmtree(out_dir, ignore_errors=True)
    load0 = os.getloadavg()
    t0 = time.perf_counter()
    with TreeSampler() as tree, log.open("w") as fh:
        proc = subprocess.run(cmd, cwd=ROOT, env=_env(), stdout=fh, stderr=subprocess.STDOUT,
                              check=False)
    wall = time.perf_counter() - t0
    metas = sorted(out_dir.glob("*/run_meta.json"))
    stages = json.loads(metas[0].read_text())["stage_seconds"] if metas else {}
    feed = sorted(out_dir.glob("*/waybill_events.jsonl*"))
    measured = {"wall_s": round(wall, 1), "peak_rss_mb": round(tree.peak_rss / 2**20),
                "peak_pss_mb": round(tree.peak_pss / 2**20)}
    row: dict[str, Any] = {"command": " ".join(cmd[2:]), "exit_code": proc.returncode,
           **measured, "stage_seconds": stages,
           "waybill_feed_mb": round(feed[0].stat().st_size / 1e6, 1) if feed else None,
           "load_average_before": [round(x, 2) for x in load0],
           "load_average_after": [round(x, 2) for x in os.getloadavg()],
           "log": str(log)}
    target = TARGETS.get(name)
    if target is not None:
        row["targets"] = target
        row["meets_targets"] = (proc.returncode == 0 and all(
            measured[k] <= v for k, v in target.items()))
    print(f"[scale] {name}: exit {proc.returncode}, {row['wall_s']} s, "
          f"peak PSS {row['peak_pss_mb']} MB (RSS {row['peak_rss_mb']} MB)", flush=True)
    return row


def case(kind: str, size: str, work: Path, replications: int) -> dict[str, Any]:
    """One measured subprocess: run, simulate (1 worker), or simulate on a Dask cluster."""
    toml = scenario(work, size)
    out = work / "out" / f"{kind}-{size}"
    log = work / f"{kind}-{size}.log"
    sim = ["simulate", str(toml), "--designs", "optimal", "--replications", str(replications),
           "--out", str(out)]
    if kind == "run":
        return measure(f"run:{size}", fwdnet("run", str(toml), "--out", str(out)), out, log)
    if kind == "simulate":
        return measure(f"simulate:{size}", fwdnet(*sim, "--workers", "1"), out, log)
    with local_cluster(2) as address:
        return measure(f"dask:{size}", fwdnet(*sim, "--executor", "dask",
                                              "--scheduler", address), out, log)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=None,
                    help=f"comma-separated STORESxSKUS (default: {','.join(SIZES)}; the dask "
                         f"case runs at {DASK_SIZE} only)")
    ap.add_argument("--only", default=",".join(KINDS),
                    help="comma-separated cases: run, simulate, dask (default: all)")
    ap.add_argument("--quick", action="store_true", help="300x2000, run and simulate only")
    ap.add_argument("--replications", type=int, default=3, help="for simulate (default 3)")
    ap.add_argument("--work", type=Path, default=Path("/tmp/fwdnet-scale"),
                    help="scenarios, outputs and logs (default /tmp/fwdnet-scale)")
    ap.add_argument("--out", type=Path, default=OUT, help="results JSON (merged by case)")
    a = ap.parse_args()
    sizes = ["300x2000"] if a.quick else (a.sizes.split(",") if a.sizes else list(SIZES))
    kinds = ["run", "simulate"] if a.quick else a.only.split(",")
    for k in kinds:
        if k not in KINDS:
            raise SystemExit(f"--only: expected some of {', '.join(KINDS)}, got {k!r}")
    for s in sizes:
        parse_size(s)
    a.work.mkdir(parents=True, exist_ok=True)
    previous = json.loads(a.out.read_text()) if a.out.is_file() else {}
    cases = dict(previous.get("cases", {}))
    for size in sizes:
        for kind in kinds:
            if kind == "dask" and a.sizes is None and size != DASK_SIZE:
                continue
            cases[f"{kind}:{size}"] = case(kind, size, a.work, a.replications)
            payload = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                                   "memory_gb": round(psutil.virtual_memory().total / 2**30, 1)},
                       "updated": datetime.now(UTC).isoformat(timespec="seconds"),
                       "cases": dict(sorted(cases.items()))}
            a.out.parent.mkdir(parents=True, exist_ok=True)
            a.out.write_text(json.dumps(payload, indent=1) + "\n")  # after every case
    print(f"[scale] wrote {a.out}")


if __name__ == "__main__":
    main()
