"""Open a websocket with the handler's settings; every failure becomes a typed :class:`~jtrader.errors.LiveError`."""

from __future__ import annotations

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI

from jtrader.errors import ConfigError, ConnectRefusedError, ConnectTimeoutError, HandshakeRejectedError
from jtrader.live.state import HandlerConfig

__all__ = ["open_websocket"]


async def open_websocket(url: str, config: HandlerConfig) -> ClientConnection:
    """Connect to ``url`` within ``config.connect_timeout_s`` (TCP and handshake).

    Raises :class:`ConnectRefusedError` (refused, unreachable, name not resolved),
    :class:`ConnectTimeoutError`, :class:`HandshakeRejectedError` (an HTTP error status, or a
    handshake that is not a websocket one) or :class:`ConfigError` (a URL that is not ws:// or wss://).
    Frames up to ``config.max_frame_bytes`` are accepted; websocket pings are answered by the library
    and sent every ``config.ping_interval_s``.
    """
    try:
        return await connect(
            url,
            open_timeout=config.connect_timeout_s,
            close_timeout=config.close_timeout_s,
            ping_interval=config.ping_interval_s,
            ping_timeout=config.ping_timeout_s,
            max_size=config.max_frame_bytes,
            max_queue=config.max_queue,
            user_agent_header="jtrader",
        )
    except InvalidStatus as exc:
        status = exc.response.status_code
        raise HandshakeRejectedError(f"{url}: handshake rejected with HTTP {status}", url, status) from None
    except InvalidURI as exc:
        raise ConfigError(f"bad websocket URL {url!r}: {exc}") from exc
    except InvalidHandshake as exc:
        raise HandshakeRejectedError(f"{url}: handshake failed: {exc}", url) from None
    except TimeoutError:
        raise ConnectTimeoutError(f"{url}: no connection within {config.connect_timeout_s} s", url) from None
    except OSError as exc:
        raise ConnectRefusedError(f"{url}: cannot connect: {exc.strerror or exc}", url) from None
