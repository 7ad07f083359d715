"""Drive the repo's notebook kernel as a Jupyter frontend would (Debian's jupyter_client), for the tests.

Reads a JSON list of actions on stdin and prints one JSON object with a result per action:
  {"code": "...", "timeout": 60}                 execute a cell; result: status, ename, evalue, stdout, stderr,
                                                 seconds (execute request → execute_reply)
  {"code": "...", "interrupt_after": 3.0}        execute, then send a Jupyter interrupt after that many seconds
  {"measure": 50, "code": "1+1", "gap": 0.1}     execute a trivial cell n times; result: latencies (seconds)
  {"measure": 50, "code": "run.step", "until_advance": 2, "max": 400}
                                                 ... at least n times, and until the number the cell prints
                                                 has grown by until_advance (at most max cells)
  {"sleep": 2.0}                                 wait
Environment: JUPYTER_PATH must point at the repo's jupyter/ folder; the kernel's working directory is argv[1].
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel


def collect(kc, msg_id, timeout):
    """Wait for the execute_reply of msg_id, gathering this cell's iopub output until the kernel is idle."""
    out = {"stdout": "", "stderr": "", "status": None, "ename": None, "evalue": None, "traceback": None}
    t0 = time.time()
    reply = None
    while reply is None:
        if time.time() - t0 > timeout:
            out["status"] = "timeout"
            return out, time.time() - t0
        try:
            msg = kc.get_shell_msg(timeout=0.05)
            if msg["parent_header"].get("msg_id") == msg_id:
                reply = msg
        except Exception:
            pass
        drain(kc, msg_id, out)
    seconds = time.time() - t0
    out["status"] = reply["content"]["status"]
    if out["status"] == "error":
        out["ename"] = reply["content"].get("ename")
        out["evalue"] = reply["content"].get("evalue")
    # the rest of the cell's iopub messages (up to its idle status)
    t1 = time.time()
    while time.time() - t1 < 2.0 and not out.get("_idle"):
        drain(kc, msg_id, out)
    out.pop("_idle", None)
    return out, seconds


def drain(kc, msg_id, out):
    while True:
        try:
            msg = kc.get_iopub_msg(timeout=0.01)
        except Exception:
            return
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        t = msg["msg_type"]
        c = msg["content"]
        if t == "stream":
            out[c["name"]] = out.get(c["name"], "") + c["text"]
        elif t == "execute_result":
            out["stdout"] = out.get("stdout", "") + str(c.get("data", {}).get("text/plain", "")) + "\n"
        elif t == "error":
            out["ename"], out["evalue"], out["traceback"] = c["ename"], c["evalue"], c["traceback"]
        elif t == "status" and c.get("execution_state") == "idle":
            out["_idle"] = True


def main():
    actions = json.load(sys.stdin)
    km, kc = start_new_kernel(kernel_name="open-rs", cwd=sys.argv[1], startup_timeout=120)
    results = []
    try:
        for a in actions:
            if "sleep" in a:
                time.sleep(a["sleep"])
                results.append({})
            elif "measure" in a:
                lat = []
                failed = None
                first = None
                last = None
                while len(lat) < a.get("max", a["measure"]):
                    msg_id = kc.execute(a.get("code", "1+1"))
                    r, s = collect(kc, msg_id, a.get("timeout", 30))
                    if r["status"] != "ok":
                        failed = r
                        break
                    lat.append(s)
                    if "until_advance" in a:
                        # the cell's value: an execute_result (or, from older kernels, a line on stdout)
                        last = float(r["stdout"].strip().splitlines()[-1])
                        first = last if first is None else first
                        if len(lat) >= a["measure"] and last - first >= a["until_advance"]:
                            break
                    elif len(lat) >= a["measure"]:
                        break
                    time.sleep(a.get("gap", 0.1))
                results.append({"latencies": lat, "failed": failed, "first": first, "last": last})
            else:
                msg_id = kc.execute(a["code"])
                if "interrupt_after" in a:
                    time.sleep(a["interrupt_after"])
                    t_int = time.time()
                    km.interrupt_kernel()
                    r, s = collect(kc, msg_id, a.get("timeout", 120))
                    r["after_interrupt"] = time.time() - t_int
                else:
                    r, s = collect(kc, msg_id, a.get("timeout", 300))
                r["seconds"] = s
                r["alive"] = km.is_alive()
                results.append(r)
                if r["status"] == "error":
                    time.sleep(0.3)  # tslab drops requests that arrive within 200 ms of an error
                if not km.is_alive():
                    break
    finally:
        alive = km.is_alive()
        km.shutdown_kernel(now=True)
    print(json.dumps({"results": results, "alive_at_end": alive}))


if __name__ == "__main__":
    main()
