"""`python -m openai_files_spec`: vendor an upstream spec, check the generated operations, list the fixes.

Exit status: 0 done; 1 refused (a change breaks the overlay under --strict, or operations are
missing from the generated package); 2 unusable input.
"""

import argparse
import sys
from pathlib import Path

from openai_files_spec._changes import breaking, render
from openai_files_spec._fixes import FIXES
from openai_files_spec._next_steps import next_steps
from openai_files_spec._operations import missing_operations
from openai_files_spec._rules import rules_json, service_rules
from openai_files_spec._seam import overlay_usage
from openai_files_spec._served import served_operations
from openai_files_spec._vendor import vendor
from openai_files_spec._yamlio import SpecError, load, load_styled

SPEC = Path("openapi.yaml")
SEAM = Path("overlay/openai_files/_generated.py")
PACKAGE = Path("generated/openai_files_api")
EMULATOR = Path("emulator/openai_files_emulator/operations.py")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return int(args.run(args))
    except SpecError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _vendor(args: argparse.Namespace) -> int:
    current = load_styled(args.spec) if args.spec.exists() else None
    result = vendor(load(args.upstream), current)
    usage = overlay_usage(args.seam)
    broken = breaking(result.changes, usage)
    if broken and args.strict:
        # The reason first, before the report (stdout) that shows it in context.
        print(
            f"refused: {_changes_break(len(broken))} what {args.seam} imports"
            f" ({'; '.join(f'{c.sign} {c.text}' for c in broken)}); {args.spec} is unchanged."
            " Adapt the overlay first, or vendor without --strict and fix what the tests report.",
            file=sys.stderr,
            flush=True,
        )
    print(f"{args.upstream}: {result.summary()}")
    print("fixes:")
    for name, lines in result.fixes.items():
        print(f"  {name}: {'nothing to fix' if not lines else lines[0]}")
        for line in lines[1:]:
            print(f"  {' ' * len(name)}  {line}")
    if current is None:
        print(f"{args.spec}: new file")
    else:
        for wire, heading in ((True, "wire changes"), (False, "naming-only changes (the same on the wire)")):
            print(f"{heading} against {args.spec}:")
            for line in render([c for c in result.changes if c.wire == wire], usage) or ["(none)"]:
                print(f"  {line}")
    if broken and args.strict:
        return 1
    (args.output or args.spec).write_text(result.text, encoding="utf-8")
    if args.output is None:
        print(f"wrote {args.spec}")
    print("next steps:")
    served = served_operations(args.emulator)
    for line in next_steps(spec=result.spec, changes=result.changes, usage=usage, served=served):
        print(f"  {line}")
    return 0


def _changes_break(number: int) -> str:
    return "1 change breaks" if number == 1 else f"{number} changes break"


def _check_operations(args: argparse.Namespace) -> int:
    problems = missing_operations(load(args.spec), args.package, overlay_usage(args.seam).modules)
    for problem in problems:
        print(f"missing: {problem}", file=sys.stderr)
    if not problems:
        print(
            f"{args.package}: every operation of {args.spec} generated, in all four forms, "
            "with request_kwargs and parse_response"
        )
    return 1 if problems else 0


def _write_rules(args: argparse.Namespace) -> int:
    rules, missing = service_rules(load(args.spec))
    for reason in missing:
        print(f"warning: {args.output} lacks {reason}", file=sys.stderr)
    args.output.write_text(rules_json(rules), encoding="utf-8")
    return 0


def _list_fixes(_: argparse.Namespace) -> int:
    for fix in FIXES:
        print(f"{fix.name:<22} {fix.defect}")
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m openai_files_spec", description=__doc__)
    commands = parser.add_subparsers(required=True)
    run = commands.add_parser("vendor", help="write openapi.yaml from a full upstream spec")
    run.add_argument("upstream", help="path or http(s) URL of the upstream OpenAPI document")
    run.add_argument("--strict", action="store_true", help="refuse changes that break the overlay")
    run.add_argument("--output", type=Path, help="where to write the result (default: the --spec file)")
    run.add_argument(
        "--emulator", type=Path, default=EMULATOR, help="the operations the emulator serves (%(default)s)"
    )
    run.set_defaults(run=_vendor)
    check = commands.add_parser("check-operations", help="check the generated package has every operation")
    check.add_argument("--package", type=Path, default=PACKAGE)
    check.set_defaults(run=_check_operations)
    rules = commands.add_parser("rules", help="write the service rules client and emulator share, as JSON")
    rules.add_argument("--spec", type=Path, default=SPEC, help="our spec (default: %(default)s)")
    rules.add_argument("--output", type=Path, required=True, help="the JSON file to write")
    rules.set_defaults(run=_write_rules)
    listing = commands.add_parser("fixes", help="list the upstream defects vendoring fixes, in order")
    listing.set_defaults(run=_list_fixes)
    for command in (run, check):
        command.add_argument("--spec", type=Path, default=SPEC, help="our spec (default: %(default)s)")
        command.add_argument(
            "--seam", type=Path, default=SEAM, help="the overlay's imports (default: %(default)s)"
        )
    return parser


if __name__ == "__main__":
    sys.exit(main())
