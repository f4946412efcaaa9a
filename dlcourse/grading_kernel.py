"""The grading kernel: ipykernel without its debugger, started by GradingKernelManager (sandbox.py).

Grading never debugs, and importing debugpy is about a sixth of a kernel's start-up time; a grading kernel
is otherwise the stock IPython kernel.
"""
import sys
from pathlib import Path

if __name__ == "__main__":
    # As ipykernel_launcher: keep the working folder off sys.path while the kernel loads (IPython puts it back).
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]
    sys.modules["debugpy"] = None  # ipykernel then starts without a debugger

    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
