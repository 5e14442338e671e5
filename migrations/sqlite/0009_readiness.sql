-- /readyz commits a write here: reading alone cannot tell that the database still
-- accepts writes (a full disk, a read-only file or replica, a held lock).
CREATE TABLE readiness_probe (
    id TEXT PRIMARY KEY,
    checked_at BIGINT NOT NULL
);
