"""Fixtures shared by the fast unit tests."""

import socket

import pytest


@pytest.fixture
def pair():
    """Two connected stream sockets: one side speaks as the judge, the other as a kernel."""
    ours, theirs = socket.socketpair()
    yield ours, theirs
    ours.close()
    theirs.close()
