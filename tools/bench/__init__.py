"""`make bench`: the real claim pipeline under load, beside raw baselines of its building blocks.

One run starts (or reuses) Kafka, PostgreSQL and the mailbox on a slot's ports, starts the
services as real processes, then:
- files claims over HTTP at a fixed offered rate, then at rising rates up to the highest one the
  whole pipeline keeps up with, then with a fixed number of requests in flight;
- puts ClaimCreated events straight on the topic to find what warranty and notifications
  sustain on their own;
- measures a bare aiokafka -> asyncpg consumer and a bare aiosmtplib sender doing the same work.
It writes a table to stdout and `bench.json` and `bench.png` under `.run/bench/`.
"""
