-- A single-PUT upload's bytes are copied on completion to a key no URL was ever signed
-- for, so its presigned PUT, valid until expires_at, can no longer change them. A PUT
-- made with it after completion lands back on the upload's own key: slot_pending marks
-- the uploads whose key the sweeper must clear once their URL has expired.
ALTER TABLE uploads ADD COLUMN slot_pending BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX uploads_slots ON uploads(expires_at) WHERE slot_pending;
