-- 0002: an op may not be dated more than five minutes ahead of the server's clock (the same
-- bound as MAX_AHEAD in console/hlc.py; tests/team/test_clock_skew.py holds the two together).
--
-- Registers (severity, status, the commander...) keep the value of the op with the greatest
-- HLC. An op from a console whose clock is a day fast would keep its value for that day,
-- whatever the Incident Commander set after it. Consoles date their ops by the server's clock
-- when theirs is ahead of it (they measure it at every exchange); this is the backstop for an
-- op made before a console knew: it is refused, the whole push with it, and waits on its
-- console until the server's clock has reached it. An op the server already has is left to
-- ON CONFLICT, as before.
CREATE FUNCTION ops_not_ahead() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ahead bigint;
BEGIN
    IF NEW.hlc !~ '^[0-9]{13}[.]' THEN
        RETURN NEW;  -- not an HLC: every console passes it over (console/sync.py), as before
    END IF;
    ahead := substr(NEW.hlc, 1, 13)::bigint - (extract(epoch FROM clock_timestamp()) * 1000)::bigint;
    IF ahead > 300000 AND NOT EXISTS (SELECT 1 FROM ops WHERE uid = NEW.uid) THEN
        RAISE EXCEPTION 'an event is dated % ahead of the server''s clock (event %): this computer''s clock is fast; it waits here until then',
            justify_interval(make_interval(secs => ahead / 1000)), NEW.uid
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER ops_not_ahead BEFORE INSERT ON ops
    FOR EACH ROW EXECUTE FUNCTION ops_not_ahead();
