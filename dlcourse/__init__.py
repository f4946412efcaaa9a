"""Helpers for the Neural Networks and Deep Learning course.

Students have this package installed: it holds data loaders, plotting, the checks that test cells
call and the grading command line, and never an implementation of a graded function.
"""
