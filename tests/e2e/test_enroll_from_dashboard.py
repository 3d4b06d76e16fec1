"""A technician creates a token on the dashboard, copies the command the page shows, runs it
verbatim on a second machine (here: a shell with the agent installed), starts the agent, and
sees it online — in real Chromium against a real collector."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS
from support.procs import BIN, AgentProc, CollectorProc, base_env, eus
from support.waits import wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]
PASSWORD = "supervisor-password-1"
ARTIFACTS = Path("/tmp/eus-artifacts")


def test_the_command_copied_from_the_dashboard_enrolls_an_agent_that_shows_online(
    collector: CollectorProc, tmp_path: Path
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: make test installs Debian's chromium"
    ARTIFACTS.mkdir(exist_ok=True)
    eus(
        collector.data_dir,
        "user",
        "create",
        "sue",
        "--role",
        "supervisor",
        "--all-customers",
        "--password-stdin",
        stdin=PASSWORD,
    )
    base = f"http://127.0.0.1:{collector.web_port}"
    state = tmp_path / "agent"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=TIMEOUT_MS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
            context.set_default_timeout(TIMEOUT_MS)
            page = context.new_page()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", "sue")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            page.click("text=Acme")
            page.click("form[action$='/tokens'] button")
            page.wait_for_selector("#enroll-command")
            # copy.js comes at the end of the page: a click before it ran would copy nothing.
            page.wait_for_load_state("load")
            page.click("button[data-copy=enroll-command]")
            page.wait_for_selector("#copy-status:has-text('Copied')")
            command = page.evaluate("navigator.clipboard.readText()")
            assert command == page.inner_text("#enroll-command")
            assert "HOST" not in command and "CA-SHA256" not in command and "ENROLL-PORT" not in command
            page.screenshot(path=str(ARTIFACTS / "enroll-command.png"), full_page=True)

            env = base_env() | {
                "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                "EUS_AGENT_STATE_DIR": str(state),
            }
            ran = subprocess.run(
                ["bash", "-c", command], env=env, capture_output=True, text=True, timeout=120, check=False
            )
            assert ran.returncode == 0, ran.stderr + ran.stdout
            agent = AgentProc(state, "second").start()
            try:
                wait_for(
                    lambda: "streaming to" in agent.log_tail(200),
                    60,
                    f"the agent's stream:\n{agent.log_tail()}",
                )
                page.goto(f"{base}/")
                hostname = os.uname().nodename
                page.wait_for_selector(f"tr:has-text('{hostname}') .state-online")
                page.screenshot(path=str(ARTIFACTS / "enrolled-online.png"), full_page=True)
            finally:
                assert agent.stop() == 0, agent.log_tail()
        finally:
            browser.close()
