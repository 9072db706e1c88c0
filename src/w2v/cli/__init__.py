"""The ``w2v`` command line: one sub-command per module in this package.

Each sub-command module defines ``COMMAND``, ``HELP``, ``register(parser)`` and
``run(args) -> int`` (see docs/architecture.md). User mistakes (:class:`W2VError`)
print one line, ``w2v: error: ...``, and exit with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from ..errors import W2VError

__all__ = ["main", "build_parser"]

# Order of the sub-commands in ``w2v --help``; modules not listed come after, sorted.
_ORDER = ("demo", "train", "similar", "analogy", "evaluate", "convert", "vocab", "phrases",
          "plot", "explore", "lab")

EXIT_USER_ERROR = 2  # argparse uses 2 for usage errors too: one status for "your input"
EXIT_INTERRUPTED = 130  # 128 + SIGINT, the shell convention


class _Formatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    pass


def _command_modules():
    names = [m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    rank = {n: i for i, n in enumerate(_ORDER)}
    names.sort(key=lambda n: (rank.get(n, len(rank)), n))
    return [importlib.import_module(f"{__name__}.{n}") for n in names]


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="w2v", formatter_class=_Formatter,
        description="Train, query, evaluate and explain word2vec embeddings.")
    parser.add_argument("--version", action="version", version=f"w2v {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module in _command_modules():
        p = sub.add_parser(module.COMMAND, help=module.HELP, description=module.HELP,
                           formatter_class=_Formatter)
        module.register(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except W2VError as exc:
        print(f"w2v: error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("w2v: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `w2v similar ... | head`
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
