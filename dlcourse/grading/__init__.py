"""Autograding: submission repair, the class runner, nbgrader preprocessors, bounds on executing a notebook, and
the sandbox that grading kernels run in (bubblewrap mounts, control groups, kernel manager, fork server).
Instructor-side only."""
