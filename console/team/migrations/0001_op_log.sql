-- 0001: the op log every console pushes to and pulls from, the incidents' numbers, and the
-- wake-up. Run by `incident-console team migrate` as the owner role, in one transaction with
-- the bump of schema_version. A shipped migration is never edited: add the next number.

CREATE TABLE schema_version (
    version integer NOT NULL
);
INSERT INTO schema_version (version) VALUES (0);

-- One row per op, exactly as a console recorded it. `seq` and `xid` are the server's: a
-- console reads after a (xid, seq) cursor, and only below the oldest transaction still
-- running (pg_snapshot_xmin), so a transaction that commits late is never skipped.
CREATE TABLE ops (
    seq bigint GENERATED ALWAYS AS IDENTITY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    uid text PRIMARY KEY,
    replica text NOT NULL,
    hlc text NOT NULL,
    incident text,
    verb text NOT NULL,
    body text NOT NULL,
    base text,
    received_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX ops_by_cursor ON ops (xid, seq);

-- INC-N on every console: an incident is numbered once, by whichever console asks first.
CREATE TABLE incident_numbers (
    incident text PRIMARY KEY,
    number bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    numbered_at timestamptz NOT NULL DEFAULT now()
);

-- A hint to every listening console that there is something new to pull. Sent once per
-- statement that added at least one op, when its transaction commits. Never the only path: a
-- console also pulls on a timer and on every reconnect.
CREATE FUNCTION ops_wake_listeners() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added) THEN
        PERFORM pg_notify('incident_console', '');
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER ops_wake_listeners AFTER INSERT ON ops
    REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION ops_wake_listeners();
