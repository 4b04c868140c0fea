"""``python -m autopilot_inference``: see :mod:`autopilot_inference.tools.cli`."""

from .tools.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
