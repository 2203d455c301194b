-- Releases of the desktop app and who gets them: the update feed (domain/releases.rs).
CREATE TABLE releases (
    id                    TEXT PRIMARY KEY,
    version               TEXT NOT NULL UNIQUE,
    channel               TEXT NOT NULL,
    notes                 TEXT NOT NULL,
    created_at            INTEGER NOT NULL,
    -- Who added it in the console (NULL: the server's command line).
    created_by            TEXT REFERENCES users(id) ON DELETE SET NULL,
    percent               INTEGER NOT NULL,
    paused_at             INTEGER,
    paused_reason         TEXT,
    pause_after_failures  INTEGER NOT NULL
);

-- Only devices of these organisations get the release (none listed: every organisation).
CREATE TABLE release_orgs (
    release_id  TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    org_id      TEXT NOT NULL REFERENCES orgs(id) ON DELETE CASCADE,
    PRIMARY KEY (release_id, org_id)
);

-- Its files, one per platform, kept in the attachments' store by their SHA-256.
CREATE TABLE release_artifacts (
    release_id  TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    platform    TEXT NOT NULL,
    file_name   TEXT NOT NULL,
    size        INTEGER NOT NULL,
    sha256      TEXT NOT NULL,
    signature   TEXT NOT NULL,
    PRIMARY KEY (release_id, platform)
);

-- Devices that could not install or start a release, once each.
CREATE TABLE update_failures (
    release_id   TEXT NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
    device_id    TEXT NOT NULL REFERENCES devices(id) ON DELETE CASCADE,
    error        TEXT NOT NULL,
    reported_at  INTEGER NOT NULL,
    PRIMARY KEY (release_id, device_id)
);

-- What each device's app reports: its version and the channel it follows.
ALTER TABLE devices ADD COLUMN agent_version TEXT NOT NULL DEFAULT '';
ALTER TABLE devices ADD COLUMN update_channel TEXT NOT NULL DEFAULT 'stable';
