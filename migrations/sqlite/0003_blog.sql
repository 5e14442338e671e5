-- Browser sessions of the blog pages, started by a blog link or the sign-in form. The
-- cookie holds a random id; only its SHA-256 is stored, so a database leak signs no one in.
CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_expiry ON web_sessions(expires_at);

-- Blog links already traded for a session, so each link works once; a row is kept until
-- its link would have expired anyway.
CREATE TABLE blog_link_uses (
    link_id TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX blog_link_uses_expiry ON blog_link_uses(expires_at);
