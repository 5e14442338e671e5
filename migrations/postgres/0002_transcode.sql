-- Renditions written by the transcoder, listed segment by segment as they are produced
-- so a clip plays while it is still being transcoded.
ALTER TABLE media ADD COLUMN mp4_key TEXT;
ALTER TABLE media ADD COLUMN audio_key TEXT;
ALTER TABLE media ADD COLUMN poster_key TEXT;
ALTER TABLE media ADD COLUMN hls_complete BOOLEAN NOT NULL DEFAULT FALSE;
-- Bytes of renditions and poster, counted against quota and store room like the original.
ALTER TABLE media ADD COLUMN derived_bytes BIGINT NOT NULL DEFAULT 0;

CREATE TABLE renditions (
    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bandwidth BIGINT NOT NULL,
    codecs TEXT NOT NULL,
    PRIMARY KEY (media_id, name)
);

CREATE TABLE segments (
    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    rendition TEXT NOT NULL,
    idx INTEGER NOT NULL,
    duration_ms BIGINT NOT NULL,
    object_key TEXT NOT NULL,
    PRIMARY KEY (media_id, rendition, idx)
);

-- Events for a user (media.ready, media.failed, ...), kept until the gateway delivers them.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT
);
CREATE INDEX notifications_user ON notifications(user_id, delivered_at);

-- Each `/play` of a clip, for "hot" blogs (most played in the last days).
CREATE TABLE plays (
    media_id TEXT NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    viewer_id TEXT,
    played_at BIGINT NOT NULL
);
CREATE INDEX plays_recent ON plays(played_at, media_id);
