"""Local stand-ins for shop APIs, for unit and integration tests.

Each fake is an aiohttp app serving one API's documented JSON shape on
127.0.0.1 (see :class:`tests.fakes.server.FakeServer`). Besides the orders it
is given, every fake answers the order numbers in :mod:`tests.fakes.server`
(``SERVER_ERROR``, ``GARBAGE``, ``WRONG_SHAPE``, ``HANG``, ``DRIP``) with the
matching failure, so backend error handling can be tested against any of them.
"""
