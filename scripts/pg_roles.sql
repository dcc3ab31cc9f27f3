-- Two PostgreSQL roles for production (README, 部署):
--   tracker_owner  owns the tables; used only to run `flask db upgrade`.
--   tracker_app    the running application: reads and writes rows, nothing more.
-- Run as a superuser in the tracker database AFTER the owner has run the migrations:
--   psql -d tracker -f scripts/pg_roles.sql
-- (create the roles first: CREATE ROLE tracker_owner LOGIN PASSWORD '…';
--                          CREATE ROLE tracker_app LOGIN PASSWORD '…';
--  and the database: CREATE DATABASE tracker OWNER tracker_owner LOCALE 'C.UTF-8' TEMPLATE template0;)

REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO tracker_app;
-- Rows only: no TRUNCATE, no REFERENCES, no TRIGGER, and (not being the owner) no ALTER
-- or DROP, so the app's role can neither disable the history's triggers nor empty it.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO tracker_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO tracker_app;
-- The history and its chain head: append and read; the head's one row moves forward.
REVOKE UPDATE, DELETE ON audit_entry FROM tracker_app;
REVOKE DELETE ON audit_chain_head FROM tracker_app;
-- Tables and sequences the owner adds in later migrations get the same rights.
ALTER DEFAULT PRIVILEGES FOR ROLE tracker_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO tracker_app;
ALTER DEFAULT PRIVILEGES FOR ROLE tracker_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO tracker_app;
