"""Shared helpers of the test suite: the repository's paths and scratch copies of the course."""
from pathlib import Path

from dlcourse.course import catalogue, layout

REPO = Path(__file__).resolve().parents[1]


def assignments_with_answers():
    """Programming assignments that have both a source folder and an answer catalogue (quizzes: quizzes())."""
    return [assignment for assignment in catalogue.assignments(REPO) if not assignment.endswith("_quiz")]


def quizzes():
    """The weekly quizzes (assignment ids ending in _quiz) that have an answer catalogue."""
    return [assignment for assignment in catalogue.assignments(REPO) if assignment.endswith("_quiz")]


def answer_catalogue(assignment):
    """(MISTAKES, ALTERNATIVES) of an assignment's answer catalogue."""
    return catalogue.load(REPO, assignment)


def copy_course(target, with_release=True):
    """A scratch copy of this repository's course: config, source/ and (optionally) the committed release/."""
    return layout.copy_course(REPO, target, with_release=with_release)
