"""sensor_reply: what a sensor answers to the host, as firmware does."""

from ras.protocol import Hello, HelloRequest, Ping, Pong, Side, Status, sensor_reply

HELLO = Hello(5, Side.LEFT)


def test_a_ping_is_answered_with_a_pong_carrying_the_arrival_time() -> None:
    assert sensor_reply(Ping(42), HELLO, 1_000) == Pong(42, 1_000)


def test_a_hello_request_is_answered_with_the_hello() -> None:
    assert sensor_reply(HelloRequest(), HELLO, 1_000) is HELLO


def test_anything_else_gets_no_answer() -> None:
    assert sensor_reply(Status(3700), HELLO, 1_000) is None
