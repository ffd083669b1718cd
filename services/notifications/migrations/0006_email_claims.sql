-- Until when an email is being sent (NULL: it is not). While the SMTP server refuses, the
-- sender probes it with a waiting email before its retry is due, and when the server is back
-- it makes every waiting email due: neither may touch an email another sender is sending now,
-- and next_attempt_at alone cannot tell a send's claim from a retry's wait.
ALTER TABLE emails ADD COLUMN claimed_until timestamptz;
