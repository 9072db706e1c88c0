"""``w2v explore``: a local web app to search, compare and project the words of a model."""

from __future__ import annotations

import argparse
import ipaddress
import sys

from ..errors import ParameterError

COMMAND = "explore"
HELP = "local web explorer: neighbours, analogies, 2-D/3-D projections, evaluation"

DEFAULT_HOST = "127.0.0.1"  # loopback only: the explorer has no authentication
DEFAULT_PORT = 8000
MAX_PORT = 65535


def register(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL_OR_VECTORS",
                        help="a w2v model file (input, output and summed vectors) or a "
                             "vectors file (input vectors)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help="TCP port (0: any free port)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help="address to bind; anything but loopback exposes the model to "
                             "the network")
    parser.add_argument("--no-evaluation", action="store_true",
                        help="hide the evaluation table")


def _check_host(host: str) -> str:
    if host == "localhost":
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        raise ParameterError(f"parameter --host={host!r}: expected an IP address or "
                             "'localhost'") from None
    if not address.is_loopback:
        print(f"w2v: warning: binding {host}: anyone who can reach this address can "
              "query the model", file=sys.stderr)
    return host


def _free_port(host: str) -> int:
    """A port the OS reports free on ``host`` (so the printed URL is the real one)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def run(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= MAX_PORT:
        raise ParameterError(f"parameter --port={args.port}: expected 0 to {MAX_PORT}")
    host = _check_host(args.host)
    try:
        import uvicorn
        from ..explorer import create_app, load_store
    except ImportError as exc:
        raise ParameterError(f"w2v explore: {exc.name!r} is not installed (pip install "
                             "'w2v[explore]')") from None
    port = args.port or _free_port(host)
    store = load_store(args.model, evaluate=not args.no_evaluation)
    app = create_app(store)
    shown = f"[{host}]" if ":" in host else host
    print(f"w2v explorer for {args.model}: http://{shown}:{port}/  (Ctrl-C to stop)",
          flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
    return 0
