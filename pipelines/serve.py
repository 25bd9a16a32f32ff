"""`chipao serve`: the Dagster webserver and daemon as one service, for a server.

The daemon fires the nightly schedule, the landing sensor and the failure alerts; the webserver
is the UI. Both use the run storage under CHIPAO_HOME/dagster and load the code location from a
workspace file written there. Before they start, the reference tables are refreshed in process:
on a fresh server the sensor's first run needs them, and after an upgrade its catalogs are new.
If either process ends, the other is stopped and `chipao serve` exits non-zero, so that systemd
(deploy/systemd/chipao.service) restarts the pair; SIGTERM stops both cleanly.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from pipelines.instance import prepare_dagster_home
from pipelines.settings import PROJECT_ROOT, Settings

WORKSPACE = """\
# Written by `chipao serve` at each start: edits are lost. The code location `chipao`, as
# `make dev` names it, so that schedules and sensors keep their state between the two.
load_from:
  - python_module:
      module_name: pipelines.definitions
      working_directory: {root}
      location_name: chipao
      executable_path: {python}
"""
STOP_SECONDS = 30  # for each process to end after SIGTERM before it is killed


def write_workspace(settings: Settings) -> Path:
    home = prepare_dagster_home(settings.dagster_home)
    path = home / "workspace.yaml"
    path.write_text(WORKSPACE.format(root=PROJECT_ROOT, python=sys.executable), encoding="utf-8")
    return path


def commands(settings: Settings, workspace: Path) -> dict[str, list[str]]:
    """The two processes, from the same environment as this Python (its venv's scripts)."""
    scripts = Path(sys.executable).parent
    return {
        "webserver": [
            str(scripts / "dagster-webserver"),
            "--host",
            settings.ui_host,
            "--port",
            str(settings.ui_port),
            "--workspace",
            str(workspace),
        ],
        "daemon": [str(scripts / "dagster-daemon"), "run", "--workspace", str(workspace)],
    }


class Stop(Exception):
    """SIGTERM or SIGINT: stop both processes."""


def _raise_stop(signum, frame):
    raise Stop(signal.Signals(signum).name)


def supervise(
    commands: Mapping[str, list[str]],
    env: Mapping[str, str],
    say: Callable[[str], None],
    poll_seconds: float = 1.0,
) -> int:
    """Start every command, wait until one ends or a stop signal comes, then stop the others.
    0 after a stop signal, 1 when a process ended by itself."""
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGTERM, signal.SIGINT)}
    processes: dict[str, subprocess.Popen] = {}
    code = 0
    try:
        for name, command in commands.items():
            processes[name] = subprocess.Popen(command, env=dict(env), cwd=PROJECT_ROOT)
            say(f"{name} started (PID {processes[name].pid})")
        while True:
            ended = [(n, p.returncode) for n, p in processes.items() if p.poll() is not None]
            if ended:
                name, returncode = ended[0]
                say(f"{name} ended with exit code {returncode}: stopping the others")
                code = 1
                break
            time.sleep(poll_seconds)
    except Stop as stop:
        say(f"{stop}: stopping")
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        _stop_all(processes)
    return code


def _stop_all(processes: Mapping[str, subprocess.Popen]) -> None:
    running = [p for p in processes.values() if p.poll() is None]
    for process in running:
        process.terminate()
    deadline = time.monotonic() + STOP_SECONDS
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
