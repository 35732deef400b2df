"""The command line and environment, read once at start-up (no Qt here).

The token comes from COCKPIT_TOKEN or the system keyring (service
"nantong-cockpit", user name = the API URL), never from the command line
(where `ps` would show it), and is hidden from every repr.
"""

from __future__ import annotations

import argparse
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import metadata
from pathlib import Path

from cockpit.core.client import validate_base_url
from cockpit.core.paths import APP_NAME, user_cache_dir
from kernel import levels
from kernel.cap import TrustList, TrustListError
from kernel.clock import CITY_TZ, instant_argument

log = logging.getLogger(__name__)
TOKEN_ENV = "COCKPIT_TOKEN"
WALL_ENV = "COCKPIT_WALL"  # the wall manifest, for a wall whose start-up command cannot be changed
KEYRING_SERVICE = APP_NAME
MAX_SIZE_PX = 16384


@dataclass(frozen=True)
class Settings:
    api_url: str | None  # None: start the embedded reference central API
    token: str | None = field(repr=False)
    ca_bundle: str | None
    screenshot: Path | None
    size: tuple[int, int] | None
    timeout_s: float
    cache_path: Path
    display_only: bool
    audit_log: Path | None
    cap_feeds: tuple[str, ...]
    popup_level: str
    fullscreen: bool
    span_screens: bool
    speed: float
    seed: int
    sim_start: datetime | None  # where the embedded simulated city's clock starts (None: now)
    catalogue: Path | None = None  # the panel catalogue (None: the shipped resources/panels.json)
    default_lifetime: str = ""  # CAP feeds' messages without <expires>: kernel.levels.lifetimes overrides
    trusted_signers: Path | None = None  # PEM certificates a signed CAP feed message must be signed by
    wall: Path | None = None  # the wall manifest (TOML): one window per screen, see cockpit.core.wall
    list_screens: bool = False

    @property
    def has_token(self) -> bool:
        return bool(self.token)

    @property
    def source(self) -> str:
        """Where the data comes from: the API's address, or which simulated city."""
        if self.api_url:
            return self.api_url
        start = f":start={self.sim_start.astimezone(CITY_TZ).isoformat()}" if self.sim_start else ""
        return f"embedded:seed={self.seed}{start}"

    @property
    def embedded_db_name(self) -> str:
        """One database per simulated city: a city keeps the seed and the start it was created with."""
        start = f"-start{self.sim_start.astimezone(CITY_TZ):%Y%m%dT%H%M%S}" if self.sim_start else ""
        return f"central-seed{self.seed}{start}.sqlite"


def parse_settings(argv: list[str] | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Parse `argv` (default: sys.argv[1:]); bad values exit 2 with a message, as argparse does."""
    env = os.environ if env is None else env
    parser = _parser()
    args = parser.parse_args(argv)
    if args.ca_bundle and not Path(args.ca_bundle).is_file():
        parser.error(f"--ca-bundle: no such file: {args.ca_bundle}")
    if args.api is None and args.ca_bundle:
        parser.error("--ca-bundle needs --api (the embedded central API speaks plain HTTP on loopback)")
    if args.api and args.sim_start:
        parser.error("--sim-start sets the embedded simulated city's clock: it does not go with --api")
    try:
        levels.lifetimes(args.default_lifetime)
    except ValueError as exc:
        parser.error(f"--default-lifetime: {exc}")
    if args.trusted_signers:
        try:
            TrustList.load(args.trusted_signers)
        except TrustListError as exc:
            parser.error(f"--trusted-signers: {exc}")
    wall = args.wall or (Path(env[WALL_ENV]) if env.get(WALL_ENV) else None)
    if wall is not None and not wall.is_file():
        parser.error(f"--wall: no such file: {wall}")
    if wall is not None and args.span_screens:
        parser.error("--wall gives every screen its own window: it does not go with --span-screens")
    if args.screenshot is not None:
        if wall is None and args.screenshot.suffix.lower() != ".png":
            parser.error(f"--screenshot: the window is saved as PNG: give a .png file name, got {args.screenshot}")
        if wall is not None and args.screenshot.suffix.lower() == ".png":
            parser.error("--screenshot with --wall saves one PNG per screen: give a folder, not a .png file")
    token = _token(args.api, env) if args.api else None
    return Settings(
        api_url=args.api, token=token, ca_bundle=args.ca_bundle, screenshot=args.screenshot, size=args.size,
        timeout_s=args.timeout, cache_path=args.cache or user_cache_dir() / "payloads.sqlite",
        display_only=args.display_only, audit_log=args.audit_log, cap_feeds=tuple(args.cap_feed),
        popup_level=args.popup_level, fullscreen=args.fullscreen, span_screens=args.span_screens,
        speed=args.speed, seed=args.seed, sim_start=args.sim_start, catalogue=args.catalogue,
        default_lifetime=args.default_lifetime, trusted_signers=args.trusted_signers, wall=wall,
        list_screens=args.list_screens)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cockpit", description="南通市域治理领导驾驶舱 — the Nantong leadership cockpit.",
        epilog=f"The API token is read from ${TOKEN_ENV} or the system keyring "
               f"(service '{KEYRING_SERVICE}', user name = the --api URL).")
    parser.add_argument("--api", metavar="URL", type=_api_url,
                        help="the central API to poll (default: start the embedded simulated Nantong)")
    parser.add_argument("--ca-bundle", metavar="FILE", help="CA certificates to trust for a private CA")
    parser.add_argument("--screenshot", metavar="FILE", type=Path,
                        help="wait until every panel has data, save the window as PNG and exit "
                             "(with --wall: a folder, one PNG per screen)")
    parser.add_argument("--size", metavar="WxH", type=_size, help="window size, e.g. 3840x2160")
    parser.add_argument("--timeout", metavar="S", type=_positive_float, default=60.0,
                        help="how long --screenshot waits for data (default 60)")
    parser.add_argument("--cache", metavar="FILE", type=Path, help="the payload cache (default: per-user cache)")
    parser.add_argument("--display-only", action="store_true",
                        help="a wall display: show warnings but do not acknowledge them")
    parser.add_argument("--audit-log", metavar="FILE", type=Path,
                        help="append one JSON line per warning event (received, shown, reminded, acknowledged, "
                             "escalated, expired, cancelled)")
    parser.add_argument("--popup-level", choices=levels.CODES, default="orange",
                        help="the least severe level that pops up (default orange: urgent warnings only; "
                             "the others go to the warning list)")
    parser.add_argument("--cap-feed", metavar="URL", type=_http_url, action="append", default=[],
                        help="a CAP feed to watch as well (repeatable)")
    parser.add_argument("--default-lifetime", default="", metavar="LEVEL=DURATION,...",
                        help="how long a CAP feed's message without <expires> is in force, per level "
                             "(default red=6h,orange=12h,yellow=24h,blue=24h)")
    parser.add_argument("--trusted-signers", type=Path, metavar="PATH",
                        help="PEM certificates (a file or a folder): a signed CAP feed message must be "
                             "signed by one of them")
    parser.add_argument("--fullscreen", action="store_true", help="fill the screen")
    parser.add_argument("--span-screens", action="store_true",
                        help="a video wall: one frameless window over every screen, no mouse pointer")
    parser.add_argument("--wall", metavar="FILE.toml", type=Path,
                        help=f"a video wall: one window per screen as the manifest says (also ${WALL_ENV}); "
                             "see examples/")
    parser.add_argument("--list-screens", action="store_true",
                        help="print the screens this machine has (the names a wall manifest uses) and exit")
    parser.add_argument("--speed", metavar="N", type=_positive_float, default=1.0,
                        help="simulated clock speed of the embedded central API (default 1)")
    parser.add_argument("--seed", metavar="S", type=int, default=2026,
                        help="random seed of the embedded simulated Nantong (default 2026)")
    parser.add_argument("--sim-start", metavar="TIME", type=instant_argument,
                        help="start the embedded simulated Nantong at this instant instead of now, "
                             "e.g. 2028-02-29T23:55 (no offset: the city's time, UTC+8)")
    parser.add_argument("--catalogue", metavar="FILE", type=Path,
                        help="the panel catalogue to show (default: the shipped resources/panels.json)")
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    return parser


def _token(api_url: str, env: Mapping[str, str]) -> str | None:
    if env.get(TOKEN_ENV):
        return env[TOKEN_ENV]
    try:
        import keyring
        import keyring.errors
    except ImportError:
        return None
    try:
        return keyring.get_password(KEYRING_SERVICE, api_url)
    except keyring.errors.NoKeyringError:  # usual on a wall display: not worth a warning
        log.info("no system keyring here and no $%s: calling the API without a token", TOKEN_ENV)
    except keyring.errors.KeyringError as exc:
        log.warning("could not read the token from the system keyring (calling the API without one): %s", exc)
    return None


def _api_url(text: str) -> str:
    try:
        return validate_base_url(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _http_url(text: str) -> str:
    _api_url(text)
    return text.strip()


def _size(text: str) -> tuple[int, int]:
    width, sep, height = text.lower().partition("x")
    if not (sep and width.isdigit() and height.isdigit()):
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT in pixels, e.g. 3840x2160, got {text!r}")
    size = int(width), int(height)
    if not all(1 <= side <= MAX_SIZE_PX for side in size):
        raise argparse.ArgumentTypeError(f"each side must be 1 to {MAX_SIZE_PX} pixels, got {text!r}")
    return size


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def _version() -> str:
    try:
        return metadata.version("nantong-cockpit")
    except metadata.PackageNotFoundError:
        return "0.1.0"
