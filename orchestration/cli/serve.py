"""`serve`: the offline model's wire protocols on loopback, for any SDK pointed at it."""

from __future__ import annotations

import argparse
from typing import TextIO


def _serve(args: argparse.Namespace, out: TextIO) -> int:
    from ..vendors.offline import OfflineModel
    from ..vendors.offline.server import make_server

    server = make_server(OfflineModel(), args.host, args.port)
    host, port = server.server_address[:2]
    print(f"offline model (rule-based) on http://{host}:{port}", file=out)
    print(f"  OpenAI:    OPENAI_BASE_URL=http://{host}:{port}/v1  (chat/completions, responses)", file=out)
    print(f"  Anthropic: ANTHROPIC_BASE_URL=http://{host}:{port}  (v1/messages)", file=out)
    print(f"  Bedrock:   endpoint_url=http://{host}:{port}  (converse, converse-stream, invoke)", file=out)
    out.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
