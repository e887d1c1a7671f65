"""The local Google Cloud stack: emulators, local Gmail, the functions and the web app on free loopback ports."""

from __future__ import annotations

import base64
import fcntl
import json
import os
import secrets
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from devstack import emulators, identity
from devstack.identity import LocalIdentity
from devstack.processes import ProcessSupervisor, StackError, free_port, http_ok

REPO_ROOT = emulators.REPO_ROOT
WEB_DIR = REPO_ROOT / "web"
# The local stack serves a development build (`npm run build:local`): the same code and policy as
# production's web/dist, plus the `?customToken=` sign-in its demo link and the browser tests use.
LOCAL_WEB_DIST = WEB_DIR / "dist-local"
PRODUCTION_WEB_DIST = WEB_DIR / "dist"  # `npm run build`, what Hosting serves
PROJECT_ID = "demo-rapport"  # the demo- prefix keeps Firebase tools from ever reaching a real project
REGION = "us-central1"
TAKEOUT_BUCKET = "demo-rapport-takeout"


@dataclass
class Ports:
    firestore: int = field(default_factory=free_port)
    pubsub: int = field(default_factory=free_port)
    tasks: int = field(default_factory=free_port)
    gmail: int = field(default_factory=free_port)
    gemini: int = field(default_factory=free_port)
    functions: int = field(default_factory=free_port)
    functions_signed: int = field(default_factory=free_port)
    identity: int = field(default_factory=free_port)
    auth: int = field(default_factory=free_port)
    auth_hub: int = field(default_factory=free_port)
    auth_logging: int = field(default_factory=free_port)
    web: int = field(default_factory=free_port)
    storage: int = field(default_factory=free_port)


# Stand-ins for the project's Workspace add-ons service agent and the add-on's OAuth client.
ADDON_SERVICE_AGENT = "service-000000000000@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
ADDON_OAUTH_CLIENT_ID = "rapport-local-addon.apps.googleusercontent.com"


@dataclass
class LocalStack:
    """Starts the parts in dependency order; `stop()` (or leaving the `with` block) ends every process group."""

    runtime_dir: Path
    with_web: bool = False
    task_max_retries: int = 100
    ports: Ports = field(default_factory=Ports)
    supervisor: ProcessSupervisor = field(init=False)
    identity: LocalIdentity = field(init=False)
    identity_key_file: Path = field(init=False)
    env: dict[str, str] = field(init=False)
    launched: bool = field(init=False, default=False)

    def __post_init__(self) -> None:
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        self.supervisor = ProcessSupervisor(self.runtime_dir / "logs")
        # Made per run, like every other local secret: the key the stack signs Google's ID tokens with.
        self.identity = LocalIdentity.generate()
        self.identity_key_file = self.identity.save(self.runtime_dir / "identity-key.pem")
        self.env = self._environment()

    # -- addresses -------------------------------------------------------------------------
    @property
    def functions_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.functions}"

    @property
    def internal_url(self) -> str:
        """The functions as Pub/Sub push, Cloud Tasks and Cloud Scheduler reach them: each call carries the
        OIDC token those callers would attach (devstack/functions_front.py). Tests call internal functions here."""
        return f"http://127.0.0.1:{self.ports.functions_signed}"

    @property
    def identity_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.identity}"

    @property
    def gmail_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.gmail}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.web}"

    @property
    def storage_url(self) -> str:
        """The Cloud Storage emulator (gcp-storage-emulator), where the browser uploads Takeout files."""
        return f"http://127.0.0.1:{self.ports.storage}"

    @property
    def firestore_url(self) -> str:
        return f"http://127.0.0.1:{self.ports.firestore}"

    def _environment(self) -> dict[str, str]:
        """What every Rapport process of this stack reads: emulator hosts and the settings of shared/settings.py."""
        token_key = base64.b64encode(secrets.token_bytes(32)).decode()
        return {
            "GOOGLE_CLOUD_PROJECT": PROJECT_ID,
            "FIRESTORE_EMULATOR_HOST": f"127.0.0.1:{self.ports.firestore}",
            "PUBSUB_EMULATOR_HOST": f"127.0.0.1:{self.ports.pubsub}",
            "FIREBASE_AUTH_EMULATOR_HOST": f"127.0.0.1:{self.ports.auth}",
            "RAPPORT_PROJECT_ID": PROJECT_ID,
            "RAPPORT_REGION": REGION,
            "RAPPORT_FUNCTIONS_BASE_URL": self.functions_url,
            "RAPPORT_TASKS_EMULATOR_HOST": f"localhost:{self.ports.tasks}",
            # The Tasks emulator attaches no OIDC token: its tasks go through the entrance that adds one.
            "RAPPORT_TASKS_BASE_URL": self.internal_url,
            "RAPPORT_GOOGLE_CERTS_URL": f"{self.identity_url}{identity.CERTS_PATH}",
            "RAPPORT_GMAIL_API_ENDPOINT": self.gmail_url,
            "RAPPORT_OAUTH_TOKEN_URI": f"{self.gmail_url}/token",
            "RAPPORT_OAUTH_AUTH_URI": f"{self.gmail_url}/o/oauth2/v2/auth",
            "RAPPORT_OAUTH_REVOKE_URI": f"{self.gmail_url}/revoke",
            "RAPPORT_OAUTH_REDIRECT_URI": f"{self.functions_url}/oauth-callback",
            "RAPPORT_WEB_APP_URL": self.web_url,
            # Made up per run: the local OAuth client and token key exist only while this stack runs.
            "RAPPORT_OAUTH_CLIENT_ID": f"rapport-local-{secrets.token_hex(4)}.apps.googleusercontent.com",
            "RAPPORT_OAUTH_CLIENT_SECRET": secrets.token_urlsafe(24),
            "RAPPORT_LOCAL_TOKEN_KEY": token_key,
            # The local Gmail server enforces no quota unless a test turns it on; neither do we pace.
            "RAPPORT_GMAIL_UNITS_PER_SECOND": "0",
            "RAPPORT_GEMINI_BASE_URL": f"http://127.0.0.1:{self.ports.gemini}/",
            # The local stand-in embeds with all-MiniLM-L6-v2, which has 384 dimensions.
            "RAPPORT_EMBEDDING_DIMENSIONS": "384",
            # The Cloud Storage emulator; google-cloud-storage goes there when this is set.
            "STORAGE_EMULATOR_HOST": f"http://127.0.0.1:{self.ports.storage}",
            "RAPPORT_TAKEOUT_BUCKET": TAKEOUT_BUCKET,
            # The Gmail add-on: who Google's add-on calls come from, and the client users' ID tokens are for.
            "RAPPORT_ADDON_SERVICE_AGENT": ADDON_SERVICE_AGENT,
            "RAPPORT_ADDON_OAUTH_CLIENT_ID": ADDON_OAUTH_CLIENT_ID,
        }

    def child_env(self) -> dict[str, str]:
        return {**os.environ, **self.env, "PYTHONPATH": str(REPO_ROOT), "PYTHONUNBUFFERED": "1"}

    def apply_env(self) -> None:
        """Points this process's clients at the stack (used by tests and the CLI)."""
        use_stack_env(self.env)

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> LocalStack:
        """Every part started (unless `launch` already did) and this process pointed at them."""
        try:
            if not self.launched:
                self.launch()
            self.apply_env()
            self._provision()
            if self.with_web:
                self.enable_web()
        except BaseException:
            self.stop()
            raise
        return self

    def launch(self) -> None:
        """Starts the processes and waits until each is ready, without touching this process's environment
        or clients: the test session launches its stack in a thread while its unit tests run, then `start`s it."""
        self._start_emulators()
        self._start_services()
        if self.with_web:
            self.enable_web()
        self.launched = True

    def stop(self) -> None:
        self.supervisor.stop_all()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def crash_functions(self) -> None:
        """Kills the function instance mid-flight (SIGKILL); its front answers the requests it held with
        a 503, as Cloud Functions does, and a new instance takes over."""
        request = urllib.request.Request(f"{self.functions_url}/_dev/crash", data=b"", method="POST")
        urllib.request.urlopen(request, timeout=10).close()
        deadline = time.monotonic() + 60
        while not http_ok(f"{self.functions_url}/_health", timeout=30):
            if time.monotonic() > deadline:
                raise StackError("the functions did not come back after a crash")

    def crashed_part(self) -> str | None:
        child = self.supervisor.crashed()
        return None if child is None else f"{child.name} exited ({child.process.returncode}):\n{child.log_tail()}"

    def _start_emulators(self) -> None:
        launches = [
            emulators.firestore(self.ports.firestore, REPO_ROOT / "firestore.rules"),
            emulators.pubsub(self.ports.pubsub),
            emulators.cloud_tasks(self.ports.tasks, self.task_max_retries),
            self._storage_launch(),
        ]
        if self.with_web:
            launches.append(self._auth_launch())
        env = self.child_env()
        started = [(launch, self.supervisor.spawn(launch.name, launch.argv, env=env)) for launch in launches]
        for launch, child in started:
            self.supervisor.wait_ready(child, launch.ready, timeout=90)

    def _start_services(self) -> None:
        env = self.child_env()
        python = sys.executable
        key_file = str(self.identity_key_file)
        gmail = self.supervisor.spawn(
            "gmail",
            # Google signs users' ID tokens with the same keys as its OIDC tokens: so does the local stack.
            [python, "-m", "devstack.gmail_server", "--port", str(self.ports.gmail), "--identity-key", key_file],
            env=env,
            cwd=REPO_ROOT,
        )
        gemini = self.supervisor.spawn(
            "gemini", [python, "-m", "devstack.gemini_server", "--port", str(self.ports.gemini)], env=env, cwd=REPO_ROOT
        )
        issuer = self.supervisor.spawn(
            "identity",
            [python, "-m", "devstack.identity", "--port", str(self.ports.identity), "--key", key_file],
            env=env,
            cwd=REPO_ROOT,
        )
        functions = self.supervisor.spawn(
            "functions",
            [
                python,
                "-m",
                "devstack.functions_front",
                "--port",
                str(self.ports.functions),
                "--signed-port",
                str(self.ports.functions_signed),
                "--identity-key",
                key_file,
            ],
            env=env,
            cwd=REPO_ROOT,
        )
        self.supervisor.wait_ready(issuer, lambda: http_ok(f"{self.identity_url}{identity.HEALTH_PATH}"))
        self.supervisor.wait_ready(gmail, lambda: http_ok(f"{self.gmail_url}/_dev/health"))
        self.supervisor.wait_ready(gemini, lambda: http_ok(f"http://127.0.0.1:{self.ports.gemini}/_dev/health"))
        self.supervisor.wait_ready(functions, lambda: http_ok(f"{self.functions_url}/_health"))

    def _provision(self) -> None:
        from google.cloud.pubsub_v1 import SubscriberClient

        from devstack.provision import provision
        from shared import clients

        provision(
            project_id=PROJECT_ID,
            region=REGION,
            push_base_url=self.internal_url,
            publisher=clients.publisher(),
            subscriber=SubscriberClient(),
            tasks=clients.tasks_client(),
        )

    def _storage_launch(self) -> emulators.Launch:
        from shared.resources import resources

        # Cloud Storage notifies finalised uploads on this topic, as terraform's google_storage_notification does.
        topic = f"projects/{PROJECT_ID}/topics/{resources().topic('takeout_uploads')}"
        data_dir = self.runtime_dir / "cloud-storage"
        return emulators.cloud_storage(self.ports.storage, data_dir, TAKEOUT_BUCKET, topic, "takeout/")

    def _auth_launch(self) -> emulators.Launch:
        ports = self.ports
        return emulators.firebase_auth(ports.auth, PROJECT_ID, self.runtime_dir, ports.auth_hub, ports.auth_logging)

    def _running(self, name: str) -> bool:
        return any(child.name == name for child in self.supervisor.children)

    def enable_auth(self) -> None:
        """Adds the Firebase Auth emulator to a running stack (idempotent)."""
        if not self._running("firebase-auth"):
            launch = self._auth_launch()
            self.supervisor.start(launch.name, launch.argv, env=self.child_env(), ready=launch.ready, timeout=90)

    def enable_web(self) -> None:
        """Adds the Auth emulator and the web app to a running stack (idempotent)."""
        if self._running("web"):
            return
        build_web()
        self.enable_auth()
        self.with_web = True
        init_json = {
            "projectId": PROJECT_ID,
            "apiKey": "local-emulator-key",  # the Auth emulator accepts any key; nothing real is involved
            "authDomain": f"127.0.0.1:{self.ports.web}",
            "emulators": {
                "firestore": {"host": "127.0.0.1", "port": self.ports.firestore},
                "auth": {"url": f"http://127.0.0.1:{self.ports.auth}"},
                # Takeout uploads go there (not read by the app: its origin joins the CSP's connect-src).
                "storage": {"host": "127.0.0.1", "port": self.ports.storage},
            },
        }
        child = self.supervisor.spawn(
            "web",
            [
                sys.executable,
                "-m",
                "devstack.web_server",
                "--dist",
                str(LOCAL_WEB_DIST),
                "--port",
                str(self.ports.web),
                "--init-json",
                json.dumps(init_json),
                # /api/NAME reaches the functions from the app's own origin, as Hosting's rewrites do.
                "--functions-url",
                self.functions_url,
                # The sidebar preview (/addon-preview) plays Gmail: message tokens, events signed as Google's.
                "--gmail-url",
                self.gmail_url,
                "--identity-key",
                str(self.identity_key_file),
            ],
            env=self.child_env(),
            cwd=REPO_ROOT,
        )
        self.supervisor.wait_ready(child, lambda: http_ok(f"{self.web_url}/__/firebase/init.json"))


def use_stack_env(env: dict[str, str]) -> None:
    """Points this process's settings and clients at a local stack described by `env`."""
    os.environ.update(env)
    from shared.clients import forget_clients
    from shared.crypto import secret_box
    from shared.settings import get_settings

    get_settings.cache_clear()
    secret_box.cache_clear()
    forget_clients()


def web_build_is_current(dist: Path = LOCAL_WEB_DIST) -> bool:
    """True when a build of the web app (the local stack's web/dist-local unless `dist` says which) is newer
    than every source file."""
    stamp = dist / "index.html"
    if not stamp.exists():
        return False
    built = stamp.stat().st_mtime
    return all(source.stat().st_mtime <= built for source in _web_sources())


def _web_sources() -> Iterator[Path]:
    """Every file of web/ but npm's packages and the builds, whose folders are never walked: node_modules
    alone holds some 30,000 files, which took seconds to list on every check."""
    skipped = {"node_modules", PRODUCTION_WEB_DIST.name, LOCAL_WEB_DIST.name}
    for folder, subfolders, files in os.walk(WEB_DIR):
        subfolders[:] = [name for name in subfolders if name not in skipped]
        yield from (Path(folder, name) for name in files)


def build_web() -> None:
    """Builds the local stack's web app (web/dist-local) when a source file is newer than the last build.
    Stacks starting at once (one per test worker) build it once: the others wait on the lock, then find it current."""
    if web_build_is_current():
        return
    with (WEB_DIR / "node_modules" / ".build-local.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if web_build_is_current():
            return
        result = subprocess.run(["npm", "run", "--silent", "build:local"], cwd=WEB_DIR, capture_output=True, text=True)
    if result.returncode != 0:
        raise StackError(f"building web/ failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
