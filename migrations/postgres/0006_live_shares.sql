-- Live region shares (SPEC §5): who shares, whom with, and the geometry asked for at
-- creation. The picture itself (the current tile set) lives in the relay's memory on the
-- node the sharer is connected to; it is a live view, not something to keep.
CREATE TABLE live_shares (
    id TEXT PRIMARY KEY,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    width BIGINT NOT NULL,
    height BIGINT NOT NULL,
    tile_size BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at BIGINT
);
CREATE INDEX live_shares_owner ON live_shares(owner_id);

-- The friends chosen to watch, fixed when the share is created.
CREATE TABLE live_share_viewers (
    share_id TEXT NOT NULL REFERENCES live_shares(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (share_id, user_id)
);
CREATE INDEX live_share_viewers_user ON live_share_viewers(user_id);
