-- What a consoles' role may do, applied by `incident-console team migrate URL --console-role
-- ROLE` after the migrations (every time, so it also covers tables added later): read and add
-- to the log, nothing else. Without UPDATE, DELETE and TRUNCATE the log is append-only whatever
-- a console sends. {role} is the role's name, quoted as an identifier.
REVOKE ALL ON ops, incident_numbers, schema_version FROM PUBLIC;
REVOKE ALL ON ops, incident_numbers, schema_version FROM {role};
GRANT SELECT, INSERT ON ops, incident_numbers TO {role};
GRANT SELECT ON schema_version TO {role};
