"""Grades to CSV: one row per student, a total per assignment and a column per graded function."""
import csv
from pathlib import Path

from dlcourse.course import layout


def grade_rows(root: str | Path) -> tuple[list[str], list[list[object]]]:
    """(header, rows): columns student, then per assignment its total and its graded parts, then the total."""
    root = Path(root)
    tables = {assignment: layout.scores(root, assignment) for assignment in layout.assignments(root)}
    parts = {assignment: list(dict.fromkeys(part for student in table.values() for part in student))
             for assignment, table in tables.items()}
    students = sorted({student for table in tables.values() for student in table})
    header = ["student"]
    for assignment in tables:
        header += [assignment] + [f"{assignment}:{part}" for part in parts[assignment]]
    header.append("total")
    rows = []
    for student in students:
        row, total = [student], 0.0
        for assignment, table in tables.items():
            scores = table.get(student, {})
            subtotal = sum(score for score, _ in scores.values())
            total += subtotal
            row += [f"{subtotal:g}" if scores else ""]
            row += [f"{scores[part][0]:g}" if part in scores else "" for part in parts[assignment]]
        row.append(f"{total:g}")
        rows.append(row)
    return header, rows


def write_csv(root: str | Path, output: str | Path) -> int:
    """Write the grade table to ``output`` (its folder is made if missing); returns the number of students."""
    output = Path(output)
    if output.is_dir():
        raise layout.CourseError(f"{output} is a folder: give a file name, such as {output / 'grades.csv'}")
    header, rows = grade_rows(root)
    output.parent.mkdir(parents=True, exist_ok=True)
    with open(output, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, quoting=csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)
