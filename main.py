"""Start the cockpit: `python main.py [--api URL] ...` is the same as `cockpit ...`."""

from cockpit.app import main

if __name__ == "__main__":
    raise SystemExit(main())
