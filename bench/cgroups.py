"""CPU caps for the benchmark's service instances: one cgroup v1 `cpu` group per instance, so a
scale-out ratio measures whether instances wait for each other, not how many cores the machine has.

A cap needs root and the v1 `cpu` controller mounted at /sys/fs/cgroup/cpu; `CpuCaps.unavailable()`
says why a cap cannot be applied (None when it can). An instance is started inside its group (a
shell writes its own pid into `cgroup.procs`, then execs the service), so not one instruction of
it runs uncapped.
"""
import os
import time

CPU_ROOT = "/sys/fs/cgroup/cpu"
PERIOD_US = 100_000


class CpuCaps:
    """Cgroups `triad-bench-<stamp>-<n>` each capped at `cores` of CPU; `remove()` deletes them."""

    def __init__(self, cores):
        self.cores = cores
        self.quota_us = int(round(cores * PERIOD_US))
        self.groups = []
        self.stamp = time.time_ns() % 1_000_000_000

    @staticmethod
    def unavailable():
        """Why no cap can be applied here, or None."""
        if os.geteuid() != 0:
            return "not root"
        if not os.path.exists(os.path.join(CPU_ROOT, "cpu.cfs_quota_us")):
            return f"no cgroup v1 cpu controller at {CPU_ROOT}"
        return None

    def describe(self):
        return (f"each instance in its own cgroup v1 `cpu` group ({CPU_ROOT}/triad-bench-…): "
                f"cpu.cfs_period_us {PERIOD_US}, cpu.cfs_quota_us {self.quota_us} ({self.cores:g} core), "
                "the instance's pid written into cgroup.procs before it execs")

    def wrap(self, command):
        """`command` run inside a new capped group: returns the command line to start instead."""
        path = os.path.join(CPU_ROOT, f"triad-bench-{self.stamp}-{len(self.groups)}")
        os.mkdir(path)
        self.groups.append(path)
        with open(os.path.join(path, "cpu.cfs_period_us"), "w") as file:
            file.write(str(PERIOD_US))
        with open(os.path.join(path, "cpu.cfs_quota_us"), "w") as file:
            file.write(str(self.quota_us))
        procs = os.path.join(path, "cgroup.procs")
        return ["sh", "-c", f'echo $$ > {procs} && exec "$@"', "capped"] + list(command)

    def throttled(self):
        """Across the groups: the share of scheduling periods in which an instance hit its quota."""
        periods = throttled = 0
        for path in self.groups:
            with open(os.path.join(path, "cpu.stat")) as file:
                stat = dict(line.split() for line in file if line.strip())
            periods += int(stat.get("nr_periods", 0))
            throttled += int(stat.get("nr_throttled", 0))
        return throttled / periods if periods else 0.0

    def remove(self):
        """Deletes the groups (their processes must have exited; a group still busy is retried briefly)."""
        for path in self.groups:
            for _ in range(50):
                try:
                    os.rmdir(path)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        self.groups = []
