"""Mint a local development token: ``make token ROLE=street STREET=S01``."""
from __future__ import annotations

import argparse

from .auth import ROLES, mint_token
from .settings import PlatformSettings


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--sub")
    parser.add_argument("--street")
    parser.add_argument("--department")
    parser.add_argument("--scope", choices=("province", "city"))
    parser.add_argument("--ttl", type=int, default=8 * 3600, help="seconds")
    args = parser.parse_args(argv)
    print(mint_token(PlatformSettings(), role=args.role, sub=args.sub, street_code=args.street,
                     department_code=args.department, scope=args.scope, ttl_s=args.ttl))


if __name__ == "__main__":
    main()
