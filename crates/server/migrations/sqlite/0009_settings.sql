-- Server-wide settings by name, each a JSON document (the portal settings of seed 001 first).

CREATE TABLE settings (
    name   TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);
