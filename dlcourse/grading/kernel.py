"""The grading kernel: ipykernel without its debugger, started by GradingKernelManager (kernels.py).

Grading never debugs, and importing debugpy is about a sixth of a kernel's start-up time; a grading kernel
is otherwise the stock IPython kernel. The fork server (forkserver/server.py) prepares its Python the same way.
"""
import sys
from pathlib import Path


def prepare() -> None:
    """As ipykernel_launcher, keep the working folder off sys.path while the kernel loads (IPython puts it
    back); and make ipykernel start without a debugger."""
    if sys.path[0] == "" or Path(sys.path[0]) == Path.cwd():
        del sys.path[0]
    sys.modules["debugpy"] = None


if __name__ == "__main__":
    prepare()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()
