"""The grading fork server, in layers: syscalls (namespaces, mounts, capabilities, limits), protocol (messages
and the files' memfd), server (the program that forks sandboxed kernels) and client (its side in the grading
process: starting the server and asking it for kernels)."""
