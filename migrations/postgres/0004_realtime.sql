-- Groups of users who chat in real time. `last_seq` is the per-group message counter:
-- bumping it inside the insert's transaction hands out gap-free, ordered sequence numbers.
CREATE TABLE chat_groups (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    last_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES chat_groups(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    joined_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user ON group_members(user_id);

-- The sender id is kept as plain text so history survives a deleted account; the unique
-- key makes a resent client_msg_id find the stored message instead of storing it twice.
CREATE TABLE group_messages (
    group_id TEXT NOT NULL REFERENCES chat_groups(id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    sender_id TEXT NOT NULL,
    client_msg_id TEXT NOT NULL,
    body TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    PRIMARY KEY (group_id, seq),
    UNIQUE (group_id, sender_id, client_msg_id)
);

-- The gateway's poll for fresh events of online users scans only undelivered recent rows.
CREATE INDEX notifications_undelivered ON notifications(created_at) WHERE delivered_at IS NULL;

-- Browser-based applications. The secret is kept as is (not hashed) because the server
-- signs webhook calls with it, as webhook providers must; it authenticates pushes too.
CREATE TABLE apps (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    webhook_url TEXT,
    secret TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);

-- App pushes for users who were offline, handed over when they next connect (bounded per
-- user, dropped when expired).
CREATE TABLE app_inbox (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    payload TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX app_inbox_user ON app_inbox(user_id, id);

-- Messages from users to apps, POSTed to the app's webhook and retried with backoff
-- until it answers 2xx; rows are claimed by moving next_attempt_at forward.
CREATE TABLE webhook_outbox (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at);
