#!/bin/sh
# The read-only role the servers' DATABASE_QUERY_URL names (agent_mcp_ro): the postgres image runs this once, when it
# initialises its data directory (mounted at /docker-entrypoint-initdb.d by deploy/compose.yaml). The SQL is what
# `npm run db:setup-role` runs (readOnlyRoleSql in libs/tools-database; apps/http-server/src/deploy-database.spec.ts
# holds the two equal and runs this script against a real PostgreSQL). On a data directory that already exists,
# run `DATABASE_ADMIN_URL=... DATABASE_READONLY_ROLE=agent_mcp_ro npm run db:setup-role` instead.
set -eu
: "${DATABASE_READONLY_PASSWORD:?set DATABASE_READONLY_PASSWORD}"
psql -v ON_ERROR_STOP=1 -v ro_password="$DATABASE_READONLY_PASSWORD" --username "${POSTGRES_USER:-postgres}" \
  --dbname "${POSTGRES_DB:-postgres}" <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'agent_mcp_ro') THEN
    EXECUTE format('CREATE ROLE %I', 'agent_mcp_ro');
  END IF;
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM %I', current_database(), 'agent_mcp_ro');
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), 'agent_mcp_ro');
  IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pg_read_server_files') THEN
    EXECUTE format('REVOKE pg_read_server_files, pg_write_server_files, pg_execute_server_program FROM %I', 'agent_mcp_ro');
  END IF;
END $$;
ALTER ROLE "agent_mcp_ro" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 64 PASSWORD :'ro_password';
ALTER ROLE "agent_mcp_ro" SET default_transaction_read_only = on;
ALTER ROLE "agent_mcp_ro" SET statement_timeout = '30s';
ALTER ROLE "agent_mcp_ro" SET idle_in_transaction_session_timeout = '60s';
ALTER ROLE "agent_mcp_ro" SET temp_file_limit = '256MB';
REVOKE CREATE ON SCHEMA "public" FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "agent_mcp_ro";
GRANT USAGE ON SCHEMA "public" TO "agent_mcp_ro";
GRANT SELECT ON ALL TABLES IN SCHEMA "public" TO "agent_mcp_ro";
ALTER DEFAULT PRIVILEGES IN SCHEMA "public" GRANT SELECT ON TABLES TO "agent_mcp_ro";
SQL
