-- Events are delivered at least once: a row stays owed to its user until one of their
-- sockets acks it (`event.ack`) and is offered again on each new connection until then.
-- App pushes become such events (they were an inbox handed over once, and lost if that
-- socket dropped); an event may expire (app pushes wait a week).
ALTER TABLE notifications RENAME COLUMN delivered_at TO acked_at;
ALTER TABLE notifications ADD COLUMN expires_at BIGINT;
INSERT INTO notifications (id, user_id, kind, payload, created_at, expires_at)
    SELECT id, user_id, 'app.message',
           json_object('app_id', app_id, 'payload', json(payload)),
           expires_at - 604800000, expires_at
    FROM app_inbox;
DROP TABLE app_inbox;
