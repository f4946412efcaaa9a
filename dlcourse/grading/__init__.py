"""Autograding: submission repair, the class runner, nbgrader preprocessors, bounds on executing a notebook, and
the lean grading kernel and the sandbox it runs in (bubblewrap mounts, control groups, kernel manager, fork server).
Instructor-side only."""
