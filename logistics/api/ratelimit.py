"""Per-key token buckets, the failed-key cache and the failed-auth throttle.

In this process by default; in Redis when `FWDNET_REDIS_URL` is set, so every worker and host
shares one bucket per key (N servers no longer give a key N × the limit) and one cache of keys
known to be bad. If Redis stops answering, the in-process versions take over (logged once per
minute) rather than failing requests.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any, Protocol

from fwdnet.logistics.api.logs import log


class Limiter(Protocol):
    """Rate limits and the memory of failed authentications."""

    backend: str

    def take(self, key: str) -> int:
        """0 when the request may go, else the seconds to wait (Retry-After)."""

    def is_bad(self, key_id: str) -> bool:
        """True when this key id failed recently (no database lookup needed)."""

    def mark_bad(self, key_id: str) -> None: ...

    def auth_failed(self, client: str) -> None:
        """Count a failed authentication from `client` (its address)."""

    def auth_throttled(self, client: str) -> int:
        """Seconds `client` must wait before its next unknown key is looked up (0 = go)."""


class LocalLimiter:
    """Everything in this process (the single-server default)."""

    backend = "local"

    def __init__(self, rate_per_minute: float, burst: int, bad_key_s: float = 60.0,
                 auth_failures_per_minute: int = 60) -> None:
        self._rate = rate_per_minute / 60.0
        self._burst = float(burst)
        self._bad_s = bad_key_s
        self._fail_max = auth_failures_per_minute
        self._buckets: dict[str, tuple[float, float]] = {}
        self._bad: dict[str, float] = {}
        self._fails: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> int:
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(key, (self._burst, now))
            tokens = min(self._burst, tokens + (now - last) * self._rate)
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0
            self._buckets[key] = (tokens, now)
        return max(1, math.ceil((1.0 - tokens) / self._rate))

    def is_bad(self, key_id: str) -> bool:
        with self._lock:
            until = self._bad.get(key_id)
        return until is not None and until > time.monotonic()

    def mark_bad(self, key_id: str) -> None:
        if self._bad_s <= 0:
            return
        with self._lock:
            if len(self._bad) > 100_000:
                self._bad.clear()
            self._bad[key_id] = time.monotonic() + self._bad_s

    def auth_failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            n, start = self._fails.get(client, (0, now))
            if now - start >= 60:
                n, start = 0, now
            if len(self._fails) > 100_000:
                self._fails.clear()
            self._fails[client] = (n + 1, start)

    def auth_throttled(self, client: str) -> int:
        now = time.monotonic()
        with self._lock:
            n, start = self._fails.get(client, (0, now))
        if n >= self._fail_max and now - start < 60:
            return max(1, math.ceil(60 - (now - start)))
        return 0


# KEYS[1] bucket; ARGV rate (tokens/s), burst. Redis's own clock, so hosts need not agree.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local v = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(v[1]) or burst
local ts = tonumber(v[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - ts) * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return wait
"""


class RedisLimiter:
    """The same limits shared through Redis (keys under `prefix:`), falling back to `local`."""

    backend = "redis"

    def __init__(self, url: str, prefix: str, local: LocalLimiter) -> None:
        import redis

        self._r: Any = redis.Redis.from_url(url, socket_timeout=0.25,
                                            socket_connect_timeout=0.25)
        self._p = prefix.rstrip(":") + ":"
        self._local = local
        self._take = self._r.register_script(_TAKE)
        self._warned = 0.0

    def _fallback(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._warned > 60:
            self._warned = now
            log.warning("redis unavailable (%s); limits fall back to this process",
                        type(exc).__name__)

    def ping(self) -> bool:
        try:
            return bool(self._r.ping())
        except Exception:
            return False

    def take(self, key: str) -> int:
        rate = self._local._rate
        try:
            return int(self._take(keys=[f"{self._p}bucket:{key}"],
                                  args=[repr(rate), repr(self._local._burst)]))
        except Exception as exc:
            self._fallback(exc)
            return self._local.take(key)

    def is_bad(self, key_id: str) -> bool:
        try:
            return bool(self._r.exists(f"{self._p}badkey:{key_id}"))
        except Exception as exc:
            self._fallback(exc)
            return self._local.is_bad(key_id)

    def mark_bad(self, key_id: str) -> None:
        if self._local._bad_s <= 0:
            return
        try:
            self._r.set(f"{self._p}badkey:{key_id}", 1,
                        px=max(1, int(self._local._bad_s * 1000)))
        except Exception as exc:
            self._fallback(exc)
            self._local.mark_bad(key_id)

    def auth_failed(self, client: str) -> None:
        k = f"{self._p}authfail:{client}"
        try:
            pipe = self._r.pipeline()
            pipe.incr(k)
            pipe.expire(k, 60, nx=True)
            pipe.execute()
        except Exception as exc:
            self._fallback(exc)
            self._local.auth_failed(client)

    def auth_throttled(self, client: str) -> int:
        k = f"{self._p}authfail:{client}"
        try:
            pipe = self._r.pipeline()
            pipe.get(k)
            pipe.ttl(k)
            n, ttl = pipe.execute()
        except Exception as exc:
            self._fallback(exc)
            return self._local.auth_throttled(client)
        if n is not None and int(n) >= self._local._fail_max:
            return max(1, int(ttl))
        return 0


def make_limiter(rate_per_minute: float, burst: int, bad_key_s: float,
                 auth_failures_per_minute: int, redis_url: str | None,
                 prefix: str) -> LocalLimiter | RedisLimiter:
    """Redis-backed when a URL is given, else in this process."""
    local = LocalLimiter(rate_per_minute, burst, bad_key_s, auth_failures_per_minute)
    if not redis_url:
        return local
    return RedisLimiter(redis_url, prefix, local)

