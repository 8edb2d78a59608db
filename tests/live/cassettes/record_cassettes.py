"""Re-record the REST cassettes against ``jtrader serve`` (never against files from ../shared).

    python tests/live/cassettes/record_cassettes.py

For each venue: generate a session with jtrader's own generator, serve it locally, play its
timeline to the end with a websocket client (so the server's books are final), then run the
calls of ``tests/live/rest_calls.py`` through vcrpy in ``record_mode="all"``. The cassettes hold
the request paths and the bodies the server answered; the tests replay them with no network.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import tempfile
from pathlib import Path

import vcr
from websockets.asyncio.client import connect

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rest_calls import SESSIONS, calls  # noqa: E402

from jtrader.live.localvenue import LocalVenue  # noqa: E402
from jtrader.live.rest import RestClient  # noqa: E402
from jtrader.marketgen import generate  # noqa: E402
from jtrader.recording import Direction, open_source  # noqa: E402


async def record(venue_name: str, folder: Path) -> None:
    spec = SESSIONS[venue_name]
    path = folder / f"{venue_name}.jtrec"
    generate(venue_name, spec["seconds"], spec["seed"], path, spec["symbols"])
    sends = [r.payload for r in open_source(path) if r.direction == Direction.SEND]
    async with LocalVenue(path) as venue:
        suffix = (
            ""
            if venue_name == "coinbase"
            else "/stream?streams=" + "/".join(f"{s.lower()}@depth@100ms/{s.lower()}@trade" for s in spec["symbols"])
        )
        async with connect(venue.url + suffix, max_size=None) as ws:
            for frame in sends:
                await ws.send(frame.decode())
            while not venue.idle:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(ws.recv(), 0.5)
        base = f"http://127.0.0.1:{venue.port}"
        with vcr.use_cassette(
            str(HERE / f"{venue_name}_rest.yaml"), record_mode="all", match_on=("method", "path", "query")
        ):
            client = RestClient(venue_name, base)
            try:
                await calls(client)
            finally:
                await client.aclose()
    print(f"recorded {HERE / f'{venue_name}_rest.yaml'}")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name in SESSIONS:
            await record(name, Path(tmp))


if __name__ == "__main__":
    asyncio.run(main())
