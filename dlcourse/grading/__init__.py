"""Autograding: submission repair, the class runner, nbgrader preprocessors, and the sandbox that grading
kernels run in (bubblewrap mounts, kernel manager, fork server). Instructor-side only."""
