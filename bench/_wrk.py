import re
import subprocess


def wrk(url, host=None, seconds=10, connections=32, threads=2):
    """Requests/s, non-2xx count and p99 latency measured by wrk (Debian package 'wrk')."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if host:
        command[1:1] = ["-H", f"Host: {host}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    p99 = re.search(r"99%\s+([\d.]+\w+)", output)
    return rps, int(errors.group(1)) if errors else 0, p99.group(1) if p99 else "?"
