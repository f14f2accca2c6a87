"""The Redis transport of the Celery broker: kombu's, with one failure reported as what it is.

When Redis goes away while a task runs, Celery 5.7's consumer first ``collect()``s the broken
connection, which detaches the transport from it (``transport.client = None``), and then closes
it. If the channel's first close was cut short (Redis was down while the channel waited on a
BRPOP, as an idle prefork consumer does), the second close tries to put the unacknowledged
message back through a new Redis client built from ``transport.client`` — now ``None`` — and
kombu raises ``AttributeError: 'NoneType' object has no attribute 'hostname'``. That is not a
connection error, so nothing on the way ignores it, and the worker stops with "Unrecoverable
error". A prefork child's late acknowledgement through that dead channel takes the same path.

A channel of a detached transport here raises redis' ``ConnectionError`` instead, the error every
close and acknowledgement path already ignores or logs: the consumer goes on to reconnect, and
the message stays in Redis' index of unacknowledged messages, from which it is put back after
the visibility timeout (``CELERY_VISIBILITY_TIMEOUT``) if it was not acknowledged.

``config/settings/base.py`` selects it for a ``redis://`` URL
(``CELERY_BROKER_TRANSPORT``); tests/reports/test_broker_lost.py stops Redis under a running
worker.
"""

from __future__ import annotations

from typing import Any

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict[str, Any]:
        if self.connection.client is None:  # the connection was collected: its transport is detached
            raise RedisConnectionError("the broker connection was closed after a connection loss")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
