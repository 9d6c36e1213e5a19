"""``python -m fc_devtools.serve module:app [uvicorn options]``: uvicorn with the test fault hooks installed."""
from __future__ import annotations

import sys

import uvicorn

from . import faults


def main() -> None:
    faults.install()
    sys.argv[0] = "uvicorn"
    uvicorn.main()


if __name__ == "__main__":
    main()
