#!/usr/bin/env python3
"""The image test: what `docker compose up` runs, exercised without a Docker engine (run as root).

Build stage: the Dockerfile's own RUN lines, read from the file, run in order in a fresh root that
holds this machine's system (Debian 12 and its Swift 6.3 toolchain, as swift:6.3-bookworm does) and
exactly what the stage's COPY lines copy from the build context (.dockerignore applied); /src and
/out are new folders of that root and apt's lists are a copy, but what the stage installs with apt is
installed on this machine (its system is the stage's base).

Runtime stage: a Debian 13 (trixie) root filesystem made by debootstrap (cached in
$TRIAD_IMAGE_CACHE, default .cache/image), the stage's RUN lines run in it by chroot, the build's
/out copied as its COPY says; then, per compose service, a container: its own network namespace
(so every service has its own 127.0.0.1:8080, as in Docker), the compose file's environment with
`kafka` and `postgres` resolving to forwarders to the test's broker and PostgreSQL (initialised
as the postgres image does, with deploy/postgres/init-databases.sql), the image's USER, WORKDIR,
ENV and ENTRYPOINT. The compose healthchecks run inside the root filesystem until healthy; IT runs
twice, as `--scale it=2` would; the demo is played through marketing's HTTP and the image's own
`triad`, and the board must be the README's. ldd must find every library inside the root
filesystem, and no process of the image may run as root.

What it cannot prove: the engine itself (image layers, Docker's DNS and networks, port
publishing, restart policies, volumes).
"""
import fnmatch
import json
import os
import pathlib
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml
from polling import poll

ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE = pathlib.Path(os.environ.get("TRIAD_IMAGE_CACHE", ROOT / ".cache" / "image"))
WORK = ROOT / ".build" / "image-test"
SUITE = "trixie"
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
timings = []
cleanups = []


def log(message):
    print(f"image-test: {message}", flush=True)


class Phase:
    def __init__(self, name):
        self.name = name

    def __enter__(self):
        log(self.name + " …")
        self.started = time.monotonic()

    def __exit__(self, *exc):
        elapsed = time.monotonic() - self.started
        timings.append((self.name, elapsed))
        if exc[0] is None:
            log(f"{self.name}: {elapsed:.0f} s")


def run(command, **kwargs):
    kwargs.setdefault("check", True)
    return subprocess.run(command, **kwargs)


def fail(message):
    raise SystemExit(f"image-test: FAILED: {message}")


# MARK: The Dockerfile

def dockerfile_stages(text):
    """[(stage name or None, base image, [(INSTRUCTION, argument)])], continuation lines joined."""
    stages, logical, current = [], [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        current += line.rstrip()[:-1] + " " if line.rstrip().endswith("\\") else line
        if not line.rstrip().endswith("\\"):
            logical.append(current.strip())
            current = ""
    for entry in logical:
        op, _, argument = entry.partition(" ")
        op, argument = op.upper(), argument.strip()
        if op == "FROM":
            words = argument.split()
            stages.append((words[2] if len(words) > 2 and words[1].upper() == "AS" else None, words[0], []))
        else:
            stages[-1][2].append((op, argument))
    return stages


def ignored(relative, patterns):
    parts = relative.split("/")
    for pattern in patterns:
        pattern = pattern.rstrip("/")
        if pattern.startswith("**/"):
            if any(fnmatch.fnmatch(part, pattern[3:]) for part in parts):
                return True
        elif any(fnmatch.fnmatch("/".join(parts[: i + 1]), pattern) for i in range(len(parts))):
            return True
    return False


def copy_from_context(source, destination, patterns):
    """COPY <source> <destination> from the build context (ROOT)."""
    origin = ROOT / source
    if origin.is_dir():
        for path in sorted(origin.rglob("*")):
            relative = path.relative_to(ROOT).as_posix()
            if path.is_dir() or ignored(relative, patterns):
                continue
            target = destination / path.relative_to(origin)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
    else:
        target = destination / origin.name if str(destination).endswith("/") or destination.is_dir() else destination
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(origin, target)


def expand(text, variables):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m.group(1) or m.group(2), ""), text)


# MARK: Build stage

def machine_root(root):
    """A mount-namespace script that makes `root` this machine's / with fresh /src and /out."""
    lines = ["set -e", "mount --make-rprivate /"]
    for entry in sorted(pathlib.Path("/").iterdir()):
        if entry.name in ("src", "out", "lost+found"):
            continue
        target = root / entry.name
        if entry.is_symlink():
            if not target.is_symlink():
                target.symlink_to(os.readlink(entry))
        elif entry.is_dir():
            target.mkdir(exist_ok=True)
            lines.append(f"mount --rbind {shlex.quote(str(entry))} {shlex.quote(str(target))}")
    # apt's lists are the machine's; the build stage may delete its copy.
    lists = WORK / "apt-lists"
    if not lists.exists():
        shutil.copytree("/var/lib/apt/lists", lists, symlinks=True)
    lines.append(f"mount --bind {lists} {root}/var/lib/apt/lists")
    return "\n".join(lines)


def build_stage(instructions, patterns):
    root = WORK / "build-root"
    root.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root / "out", ignore_errors=True)
    setup = machine_root(root)
    workdir = "/"
    for op, argument in instructions:
        if op == "WORKDIR":
            workdir = argument
            (root / workdir.lstrip("/")).mkdir(parents=True, exist_ok=True)
        elif op == "COPY":
            *sources, destination = shlex.split(argument)
            target = root / (destination if destination.startswith("/") else f"{workdir}/{destination}").lstrip("/")
            if destination.endswith("/"):
                target.mkdir(parents=True, exist_ok=True)
            for source in sources:
                copy_from_context(source, target, patterns)
        elif op == "RUN":
            log(f"build stage RUN {argument[:90]}{'…' if len(argument) > 90 else ''}")
            script = f"{setup}\nexec chroot {root} /bin/sh -c {shlex.quote(f'cd {workdir} && {argument}')}"
            run(["unshare", "--mount", "--fork", "/bin/sh", "-c", script])
        else:
            fail(f"build stage: {op} is not emulated")
    return root


# MARK: Runtime stage

def debian_mirror():
    for source in [pathlib.Path("/etc/apt/sources.list"), *pathlib.Path("/etc/apt/sources.list.d").glob("*.sources")]:
        if not source.exists():
            continue
        for line in source.read_text().splitlines():
            words = line.split()
            if words[:1] == ["URIs:"] and words[1].rstrip("/").endswith("/debian"):
                return words[1]
            if words[:1] == ["deb"] and words[-3:-2] and words[1].rstrip("/").endswith("/debian"):
                return words[1]
    fail("no Debian mirror in /etc/apt (the runtime root filesystem comes from Debian's packages)")


def runtime_rootfs():
    tarball = CACHE / f"debootstrap-{SUITE}-minbase.tar"
    if not tarball.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        fresh = WORK / "debootstrap"
        run(["debootstrap", "--variant=minbase", SUITE, str(fresh), debian_mirror()], stdout=subprocess.DEVNULL)
        run(["tar", "-C", str(fresh), "-cf", str(tarball) + ".part", "."])
        os.replace(str(tarball) + ".part", tarball)
        shutil.rmtree(fresh)
    else:
        log(f"debootstrap root filesystem from the cache: {tarball}")
    rootfs = WORK / "rootfs"
    rootfs.mkdir()
    run(["tar", "-C", str(rootfs), "-xf", str(tarball)])
    return rootfs


def in_rootfs(rootfs, command):
    """Runs a shell command inside the root filesystem (its own mount namespace: /proc, /dev)."""
    script = "\n".join([
        "set -e", "mount --make-rprivate /",
        f"mount -t proc proc {rootfs}/proc", f"mount --rbind /dev {rootfs}/dev",
        f"exec chroot {rootfs} /usr/bin/env -i PATH={DEFAULT_PATH} HOME=/root /bin/sh -c {shlex.quote(command)}",
    ])
    run(["unshare", "--mount", "--fork", "/bin/sh", "-c", script])


def runtime_stage(instructions, build_root):
    rootfs = runtime_rootfs()
    shutil.copy2("/etc/resolv.conf", rootfs / "etc" / "resolv.conf")
    image = {"args": {}, "env": {}, "workdir": "/", "user": "root", "entrypoint": None}
    for op, argument in instructions:
        if op == "RUN":
            log(f"runtime stage RUN {argument[:90]}{'…' if len(argument) > 90 else ''}")
            in_rootfs(rootfs, argument)
        elif op == "COPY":
            words = shlex.split(argument)
            if not words[0].startswith("--from="):
                fail("runtime stage: only COPY --from=<stage> is emulated")
            source, destination = words[1], words[2]
            origin = build_root / source.lstrip("/")
            target = rootfs / destination.lstrip("/")
            target.mkdir(parents=True, exist_ok=True)
            for path in origin.iterdir():
                if path.is_dir():
                    shutil.copytree(path, target / path.name, symlinks=True)
                else:
                    shutil.copy2(path, target / path.name)
        elif op == "ARG":
            name, _, default = argument.partition("=")
            image["args"][name] = default
        elif op == "ENV":
            for pair in shlex.split(argument):
                name, _, value = pair.partition("=")
                image["env"][name] = value  # expanded per service: ${SERVICE} is a build argument
        elif op == "WORKDIR":
            image["workdir"] = argument
        elif op == "USER":
            image["user"] = argument
        elif op == "ENTRYPOINT":
            image["entrypoint"] = json.loads(argument)
        elif op == "EXPOSE":
            pass
        else:
            fail(f"runtime stage: {op} is not emulated")
    return rootfs, image


# MARK: Servers the compose file runs from other images

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, check, timeout):
    return poll(check, timeout, 0.5) or fail(f"gave up waiting for {what} after {timeout:.0f} s")


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def interpolate(value):
    """Compose's ${NAME:-default} and ${NAME}."""
    return re.sub(r"\$\{(\w+)(?::-([^}]*))?\}", lambda m: os.environ.get(m.group(1)) or (m.group(2) or ""), str(value))


def start_postgres(compose, processes):
    """A PostgreSQL server initialised as the postgres image does from the compose environment."""
    environment = {k: interpolate(v) for k, v in compose["services"]["postgres"]["environment"].items()}
    user, password, database = environment["POSTGRES_USER"], environment["POSTGRES_PASSWORD"], environment["POSTGRES_DB"]
    binaries = sorted(pathlib.Path("/usr/lib/postgresql").glob("*/bin"))[-1]
    # The server runs as the postgres user, who may not be able to enter the checkout (a clone in a
    # private temporary folder): its files live in a folder of their own under /tmp.
    home = pathlib.Path(tempfile.mkdtemp(prefix="triad-image-test-postgres-", dir="/tmp"))
    home.chmod(0o755)
    cleanups.append(lambda: shutil.rmtree(home, ignore_errors=True))
    data, sockets = home / "data", home / "sockets"
    for folder in (data, sockets):
        folder.mkdir()
        shutil.chown(folder, "postgres")
    secret = home / "password"
    secret.write_text(password + "\n")
    shutil.chown(secret, "postgres")
    as_postgres = ["runuser", "-u", "postgres", "--"]
    run(as_postgres + [str(binaries / "initdb"), "-D", str(data), "-U", user, f"--pwfile={secret}", "-A", "scram-sha-256"],
        stdout=subprocess.DEVNULL)
    port = free_port()
    processes.append(subprocess.Popen(
        as_postgres + [str(binaries / "postgres"), "-D", str(data), "-p", str(port), "-k", str(sockets),
                       "-c", "listen_addresses=127.0.0.1"],
        stdout=open(WORK / "logs" / "postgres.log", "w"), stderr=subprocess.STDOUT, start_new_session=True))
    wait_for("PostgreSQL", lambda: port_open(port), 30)
    psql = ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", user, "-v", "ON_ERROR_STOP=1", "-q"]
    env = dict(os.environ, PGPASSWORD=password)
    run(psql + ["-d", "postgres", "-c", f'CREATE DATABASE "{database}"'], env=env)
    for volume in compose["services"]["postgres"].get("volumes", []):
        source, _, target = volume.partition(":")
        if target.startswith("/docker-entrypoint-initdb.d/"):
            run(psql + ["-d", database, "-f", str(ROOT / source)], env=env)
    return port


def start_broker(compose, processes):
    """The local broker, and the topics the compose file's one-shot `topics` job creates."""
    port = free_port()
    processes.append(subprocess.Popen(
        [str(ROOT / "scripts" / "broker.sh"), str(port)], stdout=open(WORK / "logs" / "broker.log", "w"),
        stderr=subprocess.STDOUT, start_new_session=True))
    wait_for("the broker", lambda: port_open(port), 30)
    script = "\n".join(compose["services"]["topics"]["command"])
    topics = []
    for names, body in re.findall(r"for topic in (.*?); do(.*?)done", script, re.S):
        partitions = int(re.search(r"--partitions (\d+)", body).group(1))
        topics += [(name, partitions) for name in names.replace("\\", " ").split()]
    if not topics:
        fail("found no topics in the compose file's topics job")
    from confluent_kafka.admin import AdminClient, NewTopic
    admin = AdminClient({"bootstrap.servers": f"127.0.0.1:{port}"})
    for future in admin.create_topics([NewTopic(name, partitions, 1) for name, partitions in topics]).values():
        future.result(30)
    log(f"broker on 127.0.0.1:{port}; topics as the compose job creates them: "
        + ", ".join(f"{n} ({p})" for n, p in topics))
    return port


# MARK: Containers

def forwarders(names_ports, processes):
    """Host side: one UNIX socket per server, forwarded to its loopback port."""
    folder = WORK / "net"
    folder.mkdir()
    sockets = {}
    for name, port in names_ports.items():
        path = folder / f"{name}.sock"
        processes.append(subprocess.Popen(
            ["socat", f"UNIX-LISTEN:{path},fork,mode=666", f"TCP:127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        wait_for(f"the {name} forwarder", path.exists, 10)
        sockets[name] = path
    return sockets


def start_container(name, service, compose, image, rootfs, listeners, processes):
    """One container: a network namespace of its own whose loopback forwards the compose hostnames'
    ports to the servers, then the image's ENTRYPOINT as its USER in its WORKDIR with its ENV and the
    compose environment."""
    build_args = dict(image["args"], **{k: str(v) for k, v in compose["services"][service]["build"].get("args", {}).items()})
    environment = {"PATH": DEFAULT_PATH, "HOME": "/"}
    environment.update({k: expand(v, build_args) for k, v in image["env"].items()})
    environment.update({k: interpolate(v) for k, v in compose["services"][service]["environment"].items()})
    command = compose["services"][service].get("command", [])
    entry = ["/usr/bin/env", "-i"] + [f"{k}={v}" for k, v in environment.items()]
    inner = ["/bin/sh", "-c", f'cd {shlex.quote(image["workdir"])} && exec "$@"', "sh"] + image["entrypoint"] + command
    lines = ["set -e", "ip link set lo up"]
    for port, path in listeners:
        lines.append(f"socat TCP-LISTEN:{port},bind=127.0.0.1,fork,reuseaddr UNIX-CONNECT:{path} &")
    for port, _ in listeners:
        lines.append(f"tries=0; until ss -ltn | grep -q '127.0.0.1:{port} '; do "
                     f"tries=$((tries + 1)); [ $tries -lt 100 ] || exit 97; sleep 0.1; done")
    lines.append("exec " + shlex.join(entry + ["chroot", f"--userspec={userspec(rootfs, image['user'])}", str(rootfs)] + inner))
    process = subprocess.Popen(
        ["unshare", "--net", "--fork", "/bin/sh", "-c", "\n".join(lines)],
        stdout=open(WORK / "logs" / f"{name}.log", "w"), stderr=subprocess.STDOUT, start_new_session=True)
    processes.append(process)
    return process


def userspec(rootfs, user):
    """USER as uid:gid, read from the root filesystem's /etc/passwd."""
    for line in (rootfs / "etc" / "passwd").read_text().splitlines():
        fields = line.split(":")
        if fields[0] == user or fields[2] == user:
            return f"{fields[2]}:{fields[3]}"
    fail(f"USER {user} is not in the image's /etc/passwd")


def healthcheck(name, container, compose, service, rootfs, image):
    check = compose["services"][service]["healthcheck"]
    test = check["test"]
    argv = test[1:] if test[0] == "CMD" else ["/bin/sh", "-c", test[1]]
    seconds = lambda text: float(str(text).rstrip("s"))
    budget = seconds(check.get("start_period", "0s")) + seconds(check.get("interval", "5s")) * int(check.get("retries", 3))

    def healthy():
        if container.poll() is not None:
            fail(f"{name} exited with {container.returncode}:\n{(WORK / 'logs' / f'{name}.log').read_text()[-3000:]}")
        try:
            probe = subprocess.run(
                ["nsenter", f"--net=/proc/{container.pid}/ns/net", "chroot", f"--userspec={userspec(rootfs, image['user'])}",
                 str(rootfs), "/usr/bin/env", "-i", f"PATH={DEFAULT_PATH}"] + argv,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds(check.get("timeout", "3s")))
        except subprocess.TimeoutExpired:
            return False
        return probe.returncode == 0

    wait_for(f"{name} to be healthy ({shlex.join(argv)})", healthy, budget)
    log(f"{name} healthy: {shlex.join(argv)}")


def expected_board():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("prints the briefing with `triad briefing`:\n\n```\n", 1)[1].split("```", 1)[0]
    return [line.rstrip() for line in block.strip().splitlines()]


def play_demo(marketing, rootfs, image, token):
    wrapper = WORK / "triad-in-image"
    wrapper.write_text(f"""#!{sys.executable}
# triad from the image, run in its root filesystem as its user; a --file is handed over on stdin.
import os, sys
args = sys.argv[1:]
if "--file" in args:
    i = args.index("--file")
    fd = os.open(args[i + 1], os.O_RDONLY)
    os.dup2(fd, 0)
    del args[i:i + 2]
os.execv("/usr/sbin/chroot", ["chroot", "--userspec={userspec(rootfs, image['user'])}", "{rootfs}", "/usr/bin/env", "-i",
         "PATH={DEFAULT_PATH}", "TRIAD_API_TOKEN={token}", "/usr/local/bin/triad"] + args)
""")
    wrapper.chmod(0o755)
    result = subprocess.run(
        ["nsenter", f"--net=/proc/{marketing.pid}/ns/net", sys.executable, str(ROOT / "scripts" / "demo.py"),
         "--marketing", "http://127.0.0.1:8080", "--brokers", "kafka:9092", "--triad", str(wrapper), "--token", token],
        capture_output=True, text=True, timeout=300)
    (WORK / "logs" / "demo.log").write_text(result.stdout + result.stderr)
    if result.returncode != 0:
        fail(f"the demo failed:\n{result.stdout}\n{result.stderr}")
    board = [line.rstrip() for line in result.stdout.splitlines()]
    expected = expected_board()
    start = board.index(expected[0]) if expected[0] in board else None
    if start is None or board[start:start + len(expected)] != expected:
        fail("the board differs from the README's:\n" + "\n".join(board) + "\n--- expected ---\n" + "\n".join(expected))
    log(f"the demo's board is the README's ({len(expected)} lines)")


def check_image(rootfs, containers, image):
    # Executables only: marketing-service's resource bundle (its page template) sits beside them.
    for binary in sorted(path for path in (rootfs / "usr" / "local" / "bin").iterdir() if path.is_file()):
        linked = subprocess.run(["chroot", str(rootfs), "ldd", f"/usr/local/bin/{binary.name}"], capture_output=True, text=True)
        if linked.returncode != 0 or "not found" in linked.stdout:
            fail(f"ldd /usr/local/bin/{binary.name} inside the root filesystem:\n{linked.stdout}{linked.stderr}")
    log("ldd finds every library of every binary inside the root filesystem")
    uid = int(subprocess.run(["chroot", str(rootfs), "id", "-u", image["user"]], capture_output=True, text=True, check=True).stdout)
    inside = []
    for entry in pathlib.Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(entry / "root") != os.path.realpath(rootfs):
                continue
            uids = next(line for line in (entry / "status").read_text().splitlines() if line.startswith("Uid:"))
            program = os.path.basename(os.readlink(entry / "exe"))
            inside.append((entry.name, program, [int(u) for u in uids.split()[1:]]))
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    services = [p for p in inside if p[1].endswith("-service")]
    if len(services) < len(containers):
        fail(f"expected {len(containers)} service processes in the root filesystem, found {inside}")
    root_owned = [p for p in inside if 0 in p[2]]
    if root_owned or uid == 0:
        fail(f"processes of the image run as root: {root_owned}")
    log(f"{len(inside)} processes in the root filesystem, every one as uid {uid} ({image['user']})")


def ready_partitions(container):
    """What an instance's readiness says (it is 200 only while it holds partitions)."""
    probe = subprocess.run(["nsenter", f"--net=/proc/{container.pid}/ns/net", "curl", "-fsS",
                            "http://127.0.0.1:8080/health/ready"], capture_output=True, text=True)
    return probe.returncode == 0


def main():
    if os.geteuid() != 0:
        fail("run as root (chroot, mount and network namespaces)")
    # --keep-build (for working on this script): the build stage's RUN lines run again over the last
    # run's /src/.build, so SwiftPM rebuilds only what changed.
    keep_build = "--keep-build" in sys.argv[1:]
    # A run killed before its cleanup leaves /proc mounted in the root filesystem: unmount first.
    for line in reversed(pathlib.Path("/proc/self/mountinfo").read_text().splitlines()):
        mountpoint = line.split()[4]
        if mountpoint.startswith(str(WORK) + "/"):
            subprocess.run(["umount", "-l", mountpoint], stderr=subprocess.DEVNULL)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("image-test: stopped by SIGTERM"))
    if WORK.exists():
        for entry in WORK.iterdir():
            if not (keep_build and entry.name == "build-root"):
                shutil.rmtree(entry) if entry.is_dir() and not entry.is_symlink() else entry.unlink()
    if not keep_build and (WORK / "build-root").exists():
        shutil.rmtree(WORK / "build-root")
    (WORK / "logs").mkdir(parents=True)
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    stages = dockerfile_stages((ROOT / "Dockerfile").read_text())
    patterns = [p.strip() for p in (ROOT / ".dockerignore").read_text().splitlines() if p.strip() and not p.startswith("#")]
    if len(stages) != 2 or stages[0][0] != "build":
        fail("expected two stages, the first named build")
    processes, mounted = [], []
    started = time.monotonic()
    try:
        with Phase("build stage (the Dockerfile's RUN lines on this machine's toolchain)"):
            build_root = build_stage(stages[0][2], patterns)
        copied = [p.name for p in (build_root / "out").iterdir()]
        wanted = {"marketing-service", "finance-service", "it-service", "triad"}
        if not wanted <= set(copied):
            fail(f"the build stage's /out holds {copied}, not every binary the runtime stage copies")
        with Phase(f"runtime stage ({stages[1][1]}: debootstrap {SUITE}, its RUN lines in chroot)"):
            rootfs, image = runtime_stage(stages[1][2], build_root)
        (rootfs / "etc" / "hosts").write_text("127.0.0.1 localhost\n127.0.0.1 kafka postgres\n")
        # A container always has /proc (Swift reads a program's arguments from /proc/self/cmdline).
        run(["mount", "-t", "proc", "proc", str(rootfs / "proc")])
        mounted.append(rootfs / "proc")
        with Phase("servers from other images (broker, topics job, PostgreSQL)"):
            broker = start_broker(compose, processes)
            postgres = start_postgres(compose, processes)
            sockets = forwarders({"kafka": broker, "postgres": postgres}, processes)
        # kafka:9092 and postgres:5432 as compose names them; the broker's advertised port too.
        listeners = [(9092, sockets["kafka"]), (broker, sockets["kafka"]), (5432, sockets["postgres"])]
        containers = {}
        with Phase("containers healthy (marketing, finance, it ×2 as --scale it=2)"):
            for name, service in [("marketing", "marketing"), ("finance", "finance"), ("it-1", "it"), ("it-2", "it")]:
                containers[name] = start_container(name, service, compose, image, rootfs, listeners, processes)
            for name, service in [("marketing", "marketing"), ("finance", "finance"), ("it-1", "it"), ("it-2", "it")]:
                healthcheck(name, containers[name], compose, service, rootfs, image)
            # The group rebalances when the second instance joins: the first takes its new
            # assignment on its next poll, a moment after both answer their healthchecks.
            wait_for("both IT instances to hold partitions",
                     lambda: ready_partitions(containers["it-1"]) and ready_partitions(containers["it-2"]), 60)
            log("both IT instances hold partitions")
        with Phase("the demo through the image"):
            token = interpolate(compose["services"]["marketing"]["environment"].get("TRIAD_API_TOKEN", ""))
            play_demo(containers["marketing"], rootfs, image, token)
            check_image(rootfs, containers, image)
        with Phase("stop (SIGTERM)"):
            # As `docker stop` does: SIGTERM to the container's main process, the service.
            for name, container in containers.items():
                children = pathlib.Path(f"/proc/{container.pid}/task/{container.pid}/children").read_text().split()
                if container.poll() is not None or not children:
                    fail(f"{name} was no longer running:\n{(WORK / 'logs' / f'{name}.log').read_text()[-2000:]}")
                os.kill(int(children[0]), signal.SIGTERM)
            for name, container in containers.items():
                status = container.wait(60)
                if status != 0:
                    fail(f"{name} exited with {status} on SIGTERM:\n{(WORK / 'logs' / f'{name}.log').read_text()[-2000:]}")
            log("every container stopped cleanly on SIGTERM")
    finally:
        # Whole process groups (a container's forwarders outlive its service when that exits first):
        # SIGTERM, so PostgreSQL shuts down cleanly, then SIGKILL for what is left after 10 s.
        for stop in (signal.SIGTERM, signal.SIGKILL):
            for process in processes:
                try:
                    os.killpg(process.pid, stop)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 10
            while stop == signal.SIGTERM and time.monotonic() < deadline and any(p.poll() is None for p in processes):
                time.sleep(0.2)
        for path in mounted:
            subprocess.run(["umount", "-l", str(path)], stderr=subprocess.DEVNULL)
        for cleanup in cleanups:
            cleanup()
        if os.environ.get("SUDO_UID"):
            owner = f"{os.environ['SUDO_UID']}:{os.environ.get('SUDO_GID', os.environ['SUDO_UID'])}"
            for folder in (WORK, CACHE):
                subprocess.run(["chown", "-R", owner, str(folder)], stderr=subprocess.DEVNULL)
        for name, seconds in timings:
            print(f"image-test: {seconds:6.0f} s  {name}")
    log(f"passed in {time.monotonic() - started:.0f} s (logs in {WORK / 'logs'})")


if __name__ == "__main__":
    main()
