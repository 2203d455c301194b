-- How many questions the assistant's model answered for each person in each UTC day (the day's
-- first millisecond): the desk's daily budget in the portal settings. Rows older than two days
-- are swept.
CREATE TABLE assistant_calls (
    user_id TEXT NOT NULL REFERENCES users(id),
    day_ms BIGINT NOT NULL,
    calls INTEGER NOT NULL,
    PRIMARY KEY (user_id, day_ms)
);
