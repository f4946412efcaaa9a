"""Browser tests: JupyterLab from the project's .venv, driven by Playwright in Debian's Chromium, offline.

The server runs on 127.0.0.1 (a free port, a token) in a scratch copy of the course, started as a user starts it
(`.venv/bin/jupyter lab`, environment not activated: its bin folder is not on PATH). Every request that does not
go to the loopback address is aborted and recorded. Screenshots go to browser-screenshots/ (git-ignored).
"""
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from dlcourse.course import layout

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "browser-screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-quic"]
TOKEN = "browser-tests"
LOOPBACK = {"127.0.0.1", "localhost"}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: JupyterLab in a real browser (deselect with -m 'not browser')")


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if call.when == "call":
        item.failed_call = outcome.get_result().failed


def readme_lab_command():
    """The README's command that starts JupyterLab, as a list of arguments (the one users copy)."""
    found = re.search(r"^\.venv/bin/jupyter lab\b[^\n#]*", (REPO / "README.md").read_text(), re.M)
    assert found, "README.md gives no `.venv/bin/jupyter lab` command"
    return shlex.split(found.group(0))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A JupyterLab server in a course folder; ``log`` is its output file."""

    def __init__(self, root, log_path, env=None):
        self.root, self.log_path, self.port = Path(root), Path(log_path), _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        venv_bin = Path(sys.executable).parent
        env = {**os.environ, **(env or {})}
        env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                      if p and Path(p).resolve() != venv_bin.resolve())
        command = readme_lab_command()
        command[0] = str(REPO / command[0])
        command += ["--no-browser", "--ip=127.0.0.1", f"--port={self.port}", f"--IdentityProvider.token={TOKEN}",
                    "--ServerApp.port_retries=0", "--LabApp.news_url=None", "--LabApp.check_for_updates_class="
                    "jupyterlab.NeverCheckForUpdate"]
        self.log_file = open(self.log_path, "w")
        self.process = subprocess.Popen(command, cwd=root, env=env, stdout=self.log_file, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{self.url}/api/status?token={TOKEN}", timeout=2)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"JupyterLab did not start:\n{self.log()[-3000:]}") from None
                time.sleep(0.3)

    def log(self):
        return self.log_path.read_text()

    def errors(self):
        """Errors of the server log (records at level E or C, tracebacks, warnings about the exchange).

        Excused: jupyter_server's race when JupyterLab lists kernels while one is starting (a 500 on
        GET /api/kernels, TraitError on 'last_activity'); JupyterLab retries and nothing is lost.
        """
        records = re.split(r"\n(?=\[[A-Z] \d{4}-)", self.log())
        race = [r for r in records if "GET /api/kernels" in r.splitlines()[0]
                and ("'last_activity' trait" in r or " 500 GET " in r)]
        if race:
            records = [r for r in records if r not in race and not re.match(r"\[E [^\]]*\] \{\n", r)]
        return [r for r in records if re.match(r"\[[EC] ", r) or "Traceback" in r or "Unwritable directory" in r]

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log_file.close()


@pytest.fixture(scope="session")
def course(tmp_path_factory):
    """A scratch course (config, source/, committed release/) as a fresh clone has it: no gradebook, no exchange."""
    return layout.copy_course(REPO, tmp_path_factory.mktemp("course"), with_release=True)


@pytest.fixture(scope="session")
def server(course, tmp_path_factory):
    running = Server(course, tmp_path_factory.mktemp("server") / "jupyterlab.log")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def serve(tmp_path_factory):
    """Starts JupyterLab in another course folder, with variables added to the environment; stopped after the module."""
    servers = []

    def start(root, env=None):
        servers.append(Server(root, tmp_path_factory.mktemp("server") / "jupyterlab.log", env))
        return servers[-1]

    yield start
    for running in servers:
        running.stop()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    playwright_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed (.ci/run installs it)")
    with playwright_api.sync_playwright() as driver:
        profile = tmp_path_factory.mktemp("chromium-profile")  # a fresh --user-data-dir
        context = driver.chromium.launch_persistent_context(
            str(profile), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
            viewport={"width": 1400, "height": 900})
        context.set_default_timeout(60_000)
        yield context
        context.close()


class Watched:
    """A browser page whose console errors, page errors and non-loopback requests are recorded."""

    def __init__(self, context, server, name):
        self.server, self.name, self.shots = server, name, 0
        self.console_errors, self.blocked, self.outside = [], [], []
        self.page = context.new_page()
        self.page.route("**/*", self._route)
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.console_errors.append(f"page error: {e}"))
        self.page.on("requestfinished", lambda r: self._is_outside(r.url) and self.outside.append(r.url))

    def _console(self, message):
        # MathJax 2 probes web-font support with a font whose source is about:blank; Chromium reports that
        # probe as an error of a request to about:blank. Nothing else is excused.
        # A 500 on listing kernels is jupyter_server's race, excused in Server.errors() when its log shows it.
        url = message.location.get("url") or ""
        if message.type == "error" and url != "about:blank" and "font at 'about:blank'" not in message.text \
                and not ("status of 500" in message.text and "/api/kernels?" in url
                         and "'last_activity' trait" in self.server.log()):
            self.console_errors.append(f"{message.text} ({message.location.get('url')})")

    @staticmethod
    def _is_outside(url):
        return urlsplit(url).scheme in ("http", "https", "ws", "wss") and urlsplit(url).hostname not in LOOPBACK

    def _route(self, route):
        if self._is_outside(route.request.url):
            self.blocked.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    def goto(self, path):
        separator = "&" if "?" in path else "?"
        self.page.goto(f"{self.server.url}{path}{separator}token={TOKEN}")
        return self.page

    def shot(self, what):
        """Save a screenshot browser-screenshots/<test>-<n>-<what>.png."""
        news = self.page.locator(".Toastify__toast", has_text="Jupyter news")  # JupyterLab asks once
        if news.count():
            news.locator("button", has_text="No").click()
        SCREENSHOTS.mkdir(exist_ok=True)
        self.shots += 1
        self.page.screenshot(path=str(SCREENSHOTS / f"{self.name}-{self.shots}-{what}.png"))


@pytest.fixture
def watched(browser, server, request):
    """A fresh page; after the test, its console must hold no errors and nothing may have left the machine."""
    page = Watched(browser, server, request.node.name.removeprefix("test_"))
    yield page
    _close_and_check(page, request)


@pytest.fixture
def watch(browser, request):
    """Makes watched pages on a server of the test's own (checked after the test as ``watched`` is)."""
    pages = []

    def make(server):
        pages.append(Watched(browser, server, request.node.name.removeprefix("test_")))
        return pages[-1]

    yield make
    for page in pages:
        _close_and_check(page, request)


def _close_and_check(page, request):
    if getattr(request.node, "failed_call", False):
        page.shot("FAILED")
    page.page.close()
    assert not page.outside, f"requests left the machine: {page.outside}"
    assert not page.blocked, f"the page asked for non-loopback addresses (blocked): {page.blocked}"
    assert not page.console_errors, f"browser console errors: {page.console_errors}"
