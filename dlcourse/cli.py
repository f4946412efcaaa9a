"""The ``dlcourse`` command line: argument parsing only; the work is done by plain functions."""
import argparse
import sys
import time
from pathlib import Path

from dlcourse.course import layout

EXIT_ERROR = 1  # the command could not do its work; the message says why
EXIT_FAILED_SUBMISSIONS = 3  # autograde: some submissions could not be graded (listed, with the log's end)

EXAMPLES = """
examples (instructors, from the course root):
  dlcourse setup                                 # once: gradebook with every assignment, exchange folder
  dlcourse release                               # student versions of every assignment, gradebook updated
  dlcourse release --check                       # is the committed release/ in sync with source/?
  dlcourse autograde                             # grade everything under submitted/, in parallel
  dlcourse autograde w2_numpy_basics --student alice --workers 4
  dlcourse autograde --broker redis://queue.example:6379/0   # through a queue served by 'dlcourse worker'
  dlcourse worker --broker redis://queue.example:6379/0 --concurrency 4   # on each grading machine
  dlcourse export --output grades.csv            # one row per student, a column per graded function
  dlcourse feedback w2_numpy_basics              # HTML pages under feedback/, without hidden tests
  dlcourse demo                                  # the whole cycle on sample submissions, in a scratch folder
examples (students):
  dlcourse check neural-networks-and-deep-learning/w2_numpy_basics/numpy_basics.ipynb   # your fetched copy
"""


def _assignments(root, names):
    """The named assignments (all when none), each checked to exist."""
    for name in names or []:
        layout.notebook_names(root, name)
    return names or layout.assignments(root)


def _setup(args):
    from dlcourse.course import gradebook

    root = layout.find_root()
    exchange = layout.make_exchange(layout.exchange_root(root))
    new = gradebook.register(root, layout.assignments(root))
    print(f"gradebook ready: {gradebook.url(root)} ({len(new)} assignments newly registered)")
    print(f"exchange ready: {exchange}")
    return 0


def _release(args):
    from dlcourse.course import blocks, gradebook

    root = layout.find_root()
    if not args.check:
        gradebook.create(root)  # complete, before nbgrader records the assignments in it
    failed = False
    for assignment in _assignments(root, args.assignment):
        generated_blocks = assignment == blocks.TARGET.parent.name
        if args.check:
            differences = layout.release_differences(root, assignment)
            if generated_blocks and (root / blocks.TARGET).read_text() != blocks.module_text(root):
                differences.append(f"{blocks.TARGET.name}: out of date with the step-by-step solutions")
            failed |= bool(differences)
            print(f"{assignment}: " + ("in sync with source/" if not differences else "; ".join(differences)))
        else:
            if generated_blocks:
                blocks.write_module(root)  # the building blocks come from the step-by-step solutions
            layout.run_nbgrader(root, "generate_assignment", assignment, "--force")
            print(f"{assignment}: release/{assignment}/ generated, gradebook updated")
    return 1 if failed else 0


def _autograde(args):
    from dlcourse.grading import runner

    root = layout.find_root()
    start = time.perf_counter()
    if args.broker:
        from dlcourse.grading import queue

        wait = queue.WAIT_FOR_SERVICES if args.wait_for_services is None else args.wait_for_services
        outcomes = queue.autograde(root, args.broker, _assignments(root, args.assignment), args.student, args.timeout,
                                   wait_for_services=wait)
    else:
        outcomes = runner.autograde(root, _assignments(root, args.assignment), args.student, args.workers, args.timeout)
    for outcome in outcomes:
        print(outcome.line())
    failed = [o for o in outcomes if not o.graded]
    print(f"\n{len(outcomes) - len(failed)} submissions graded, {len(failed)} failed (scored 0), "
          f"{sum(bool(o.problems) for o in outcomes)} with problems noted, in {time.perf_counter() - start:.0f} s")
    if not failed:
        return 0
    print(f"FAILED: {', '.join(f'{o.student}/{o.assignment}' for o in failed)} (grade them again once the log "
          f"says why). End of their grading log:", file=sys.stderr)
    for tail in dict.fromkeys(o.log_tail for o in failed):
        print(tail, file=sys.stderr)
    return EXIT_FAILED_SUBMISSIONS


def _worker(args):
    from dlcourse.grading import queue

    queue.run_worker(layout.find_root(), args.broker, args.concurrency, args.time_limit or queue.DEFAULT_TIME_LIMIT)
    return 0


def _export(args):
    from dlcourse.course import export

    root = layout.find_root()
    rows = export.write_csv(root, args.output)
    print(f"{rows} students written to {args.output}")
    return 0


def _feedback(args):
    root = layout.find_root()
    written, failed = 0, []
    for assignment in _assignments(root, args.assignment):
        if not any(Path(root).glob(f"autograded/*/{assignment}/*.ipynb")):
            print(f"{assignment}: nothing autograded yet, no feedback written")
            continue
        try:  # nbgrader carries on past a student it cannot render and reports them at the end
            layout.run_nbgrader(root, "generate_feedback", assignment, "--force")
        except layout.CourseError as error:
            failed.append(assignment)
            print(f"{assignment}: feedback incomplete: {error}", file=sys.stderr)
        print(f"{assignment}: feedback pages in feedback/<student>/{assignment}/")
        written += 1
    return 1 if failed or not written else 0


def _check(args):
    from dlcourse import student_check

    return student_check.check(args.notebook, timeout=args.timeout)


def _demo(args):
    from dlcourse.course import demo

    root = layout.find_root()
    demo.run(root, _assignments(root, args.assignment) if args.assignment else None, args.workdir)
    return 0


def build_parser() -> argparse.ArgumentParser:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(prog="dlcourse", description="Course tools for instructors and students.",
                                     epilog=EXAMPLES, formatter_class=formatter)
    commands = parser.add_subparsers(dest="command", required=True)

    setup = commands.add_parser("setup", help="once, after cloning: create the gradebook and the exchange folder",
                                epilog=EXAMPLES, formatter_class=formatter)
    setup.set_defaults(handler=_setup)

    release = commands.add_parser("release", help="generate student versions from source/ (or check them)",
                                  epilog=EXAMPLES, formatter_class=formatter)
    release.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    release.add_argument("--check", action="store_true", help="only verify that release/ is in sync with source/")
    release.set_defaults(handler=_release)

    autograde = commands.add_parser("autograde", help="grade submissions under submitted/ in parallel",
                                    epilog=EXAMPLES, formatter_class=formatter)
    autograde.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    autograde.add_argument("--student", action="append", metavar="ID", help="grade only this student (repeatable)")
    autograde.add_argument("--workers", type=int, metavar="N", help="parallel graders (default: number of cores)")
    autograde.add_argument("--timeout", type=int, metavar="S", help="seconds per cell (default: nbgrader_config.py)")
    autograde.add_argument("--broker", metavar="URL",
                           help="grade through the queue at this Redis URL, served by 'dlcourse worker' "
                                "(docs/scale-out.md)")
    autograde.add_argument("--wait-for-services", type=int, metavar="S",
                           help="with --broker: how long to keep trying when Redis or the gradebook does not answer "
                                "before stopping (default: 300)")
    autograde.set_defaults(handler=_autograde)

    worker = commands.add_parser("worker", help="grade submissions sent through a queue (docs/scale-out.md)",
                                 epilog=EXAMPLES, formatter_class=formatter)
    worker.add_argument("--broker", required=True, metavar="URL", help="the queue's Redis URL, redis://HOST:PORT/DB")
    worker.add_argument("--concurrency", type=int, metavar="N", help="submissions graded at once (default: cores)")
    worker.add_argument("--time-limit", type=int, metavar="S",
                        help="seconds one submission may take before it is FAILED (default: 600, above the 300 s "
                             "of CPU a notebook may use)")
    worker.set_defaults(handler=_worker)

    export = commands.add_parser("export", help="write grades to CSV", epilog=EXAMPLES, formatter_class=formatter)
    export.add_argument("--output", default="grades.csv", metavar="FILE",
                        help="CSV file to write (default: grades.csv)")
    export.set_defaults(handler=_export)

    feedback = commands.add_parser("feedback", help="HTML feedback for every graded student",
                                   epilog=EXAMPLES, formatter_class=formatter)
    feedback.add_argument("assignment", nargs="*", help="assignment ids (default: all)")
    feedback.set_defaults(handler=_feedback)

    check = commands.add_parser("check", help="run the visible tests of one notebook (for students)",
                                epilog=EXAMPLES, formatter_class=formatter)
    check.add_argument("notebook", type=Path, help="the notebook to check")
    check.add_argument("--timeout", type=int, default=120, metavar="S", help="seconds per cell (default: 120)")
    check.set_defaults(handler=_check)

    demo = commands.add_parser("demo", help="run the instructor cycle on sample submissions in a scratch folder",
                               epilog=EXAMPLES, formatter_class=formatter)
    demo.add_argument("--assignment", action="append", metavar="ID",
                      help="assignment to demonstrate (repeatable; default: w2_numpy_basics)")
    demo.add_argument("--workdir", metavar="DIR",
                      help="empty folder for the scratch course (default: a new temporary folder)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except layout.CourseError as error:
        print(f"dlcourse {args.command}: error: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
