"""Instructor-side course operations: the course folder's layout, release, the application's building blocks,
grade export and the demonstration. Nothing here runs student code."""
