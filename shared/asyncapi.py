"""`python -m shared.asyncapi SERVICE` prints the service's AsyncAPI document (JSON)."""

from __future__ import annotations

import importlib
import json
import sys


def main(service: str) -> None:
    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    app = bootstrap.build_app()
    document = app.state.runtime.asyncapi().to_specification().to_jsonable()
    json.dump(document, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
