"""The ``dlcourse`` command line: argument parsing only; the work is done by plain functions."""
import argparse
import sys

from dlcourse import course

EXAMPLES = """
examples:
  dlcourse demo                                  # the whole instructor cycle on sample submissions
  dlcourse demo --assignment w2_numpy_basics --workdir /tmp/demo
"""


def _demo(args):
    from dlcourse import demo

    root = course.find_root()
    names = args.assignment or None
    for name in names or []:
        course.notebook_names(root, name)  # fails early on an unknown assignment
    demo.run(root, names, args.workdir)
    return 0


def build_parser():
    parser = argparse.ArgumentParser(prog="dlcourse", description="Course tools for instructors and students.",
                                     epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="run the instructor cycle on sample submissions in a scratch folder",
                               epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--assignment", action="append", metavar="ID",
                      help="assignment to demonstrate (repeatable; default: w2_numpy_basics)")
    demo.add_argument("--workdir", metavar="DIR", help="empty folder for the scratch course (default: a new temporary folder)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except course.CourseError as error:
        print(f"dlcourse {args.command}: error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
