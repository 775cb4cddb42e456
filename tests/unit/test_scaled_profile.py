"""`make run-scaled`'s start: deploy/scaled/run_env.sh writes every variable the scaled Procfile, HAProxy and the
profile use, and deploy/supervisor.py shows one READY line (a readiness URL) for every process in it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from honcho.environ import parse

from deploy.supervisor import load_profile
from tests.support.processes import REPO_ROOT

SCALED = REPO_ROOT / "deploy" / "scaled"


def test_the_scaled_profile_has_a_readiness_check_for_every_process_and_every_variable_set(tmp_path: Path) -> None:
    env_file = tmp_path / "run-scaled.env"
    subprocess.run(["deploy/scaled/run_env.sh", str(env_file)], cwd=REPO_ROOT, check=True, capture_output=True, timeout=120)
    env = parse(env_file.read_text(encoding="utf-8"))
    profile = load_profile(SCALED / "profile.yml", env_file, REPO_ROOT)
    names = {service.name for service in profile.services}
    assert {"rasa1", "rasa2", "actions1", "actions2", "balancer", "desk1", "desk2", "kb"} <= names
    for service in profile.services:
        assert service.ready_url and "${" not in service.ready_url, service
    used = set()
    for file in ("Procfile", "haproxy.cfg", "profile.yml"):
        used |= set(re.findall(r"\$\{?([A-Z][A-Z0-9_]+)", (SCALED / file).read_text(encoding="utf-8")))
    assert used - set(env) == set(), "variables the scaled profile uses but run_env.sh does not write"
    assert env["DESK_LIVE_URL"].startswith("redis://")  # two desk processes share their live updates
