"""Waiting with a deadline, for the scripts that start services and wait on them (demo.py, image-test.py)."""
import time


def poll(check, timeout, interval):
    """Calls `check` every `interval` seconds until it returns something truthy, and returns that;
    None once `timeout` seconds have passed without."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            return None
        time.sleep(interval)
