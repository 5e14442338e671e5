-- Region sync rooms (SPEC §4): the latest shared URL and region of each room. `version`
-- is bumped by a compare-and-set UPDATE (`WHERE version = <the version the sender saw>`),
-- so of two updates made from the same state exactly one wins on either database.
CREATE TABLE sync_rooms (
    id TEXT PRIMARY KEY,
    creator_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    group_id TEXT REFERENCES chat_groups(id) ON DELETE SET NULL,
    url TEXT NOT NULL,
    region_x BIGINT,
    region_y BIGINT,
    region_width BIGINT,
    region_height BIGINT,
    version BIGINT NOT NULL DEFAULT 1,
    updated_by TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);

-- Who may see and steer a room, fixed when it is created.
CREATE TABLE sync_participants (
    room_id TEXT NOT NULL REFERENCES sync_rooms(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (room_id, user_id)
);
CREATE INDEX sync_participants_user ON sync_participants(user_id);
