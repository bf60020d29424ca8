// Package pgcap is the host's implementation of the `sql` capability
// (WIT interface `sql`, Go interface capability.SQL) over a PostgreSQL
// server, through github.com/jackc/pgx/v5. Its dialect is "postgres": the
// guest holds every statement and cache rule; this package only runs
// statements, confined.
//
// A [Capability] is one server (a pool of connections, from a DSN or an
// embedder's *pgxpool.Pool), shared by every guest instance of one cache.
// A [Session] is one guest instance's view: its database handles, prepared
// statements and, during a call, one connection taken from the pool.
//
// # Confinement: the role setup (the primary defence)
//
// The cache must connect as a role that can reach one schema only. Run,
// as a superuser, in the cache's database (names are examples):
//
//	CREATE ROLE sandcache LOGIN PASSWORD '...' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
//	REVOKE ALL ON DATABASE cachedb FROM PUBLIC;          -- no TEMP tables, no CONNECT for others
//	GRANT CONNECT ON DATABASE cachedb TO sandcache;
//	REVOKE ALL ON SCHEMA public FROM PUBLIC;             -- nothing in public
//	CREATE SCHEMA sandcache AUTHORIZATION sandcache;     -- the only schema it may use
//	ALTER ROLE sandcache IN DATABASE cachedb SET search_path = sandcache;
//
// Also revoke CONNECT from PUBLIC on the server's other databases, and
// never grant the role pg_read_server_files, pg_write_server_files,
// pg_execute_server_program or membership in any other role. Such a role
// cannot run COPY ... TO/FROM PROGRAM or a file, pg_read_file, lo_import,
// read another schema's tables, or SET ROLE to anything. The test helper
// tests/pgserver (ConfinedSetup) creates exactly this setup.
//
// # Confinement the host enforces (defence in depth)
//
//   - The search_path is pinned at connect (Config.WithSchema, a startup
//     parameter) for a pool Connect makes; a pool given by the embedder must
//     be configured so (its role's search_path, or its RuntimeParams). A
//     connection whose role is a superuser (the server reports it at
//     connect) is refused: statements fail with NotPermitted.
//   - Statements are screened before they reach the server (see screen):
//     the first keyword must be one of SELECT, WITH, VALUES, INSERT, UPDATE,
//     DELETE, BEGIN, START, COMMIT, END, ROLLBACK, ABORT, SAVEPOINT, RELEASE,
//     LOCK, TRUNCATE, CREATE TABLE/INDEX/UNIQUE INDEX, ALTER TABLE, DROP
//     TABLE/INDEX; so SET, RESET, SET ROLE, COPY, DO, CALL, CREATE FUNCTION,
//     PREPARE, DECLARE, LISTEN, GRANT and the rest are refused. Any call of
//     a function on the deny-list (set_config, pg_read_file, pg_ls_dir,
//     lo_import, lo_export and every lo_*, dblink*, query_to_xml, session
//     advisory locks, pg_terminate_backend, ts_stat and ts_rewrite, which
//     run a query given as text, ...) is refused wherever it
//     appears, quoted or schema-qualified; so are U&"..." identifiers. A
//     refused statement fails with NotPermitted and never reaches the server.
//   - Every statement is one statement: statements are sent with the
//     extended protocol, which the server refuses for more than one.
//   - Every statement runs under the call's context (Session.SetContext):
//     when its deadline passes, pgx asks the server to cancel the statement
//     and gives up on the connection shortly after, so no call outlives
//     its deadline by more than [CancelGrace]. Config.StatementTimeout
//     (a startup parameter the role cannot change) caps statements of calls
//     without a deadline.
//   - A connection is held only during a call: SetContext (called by the
//     host before and after every guest call) returns it to the pool, and
//     a connection left inside a transaction is closed, not reused, so a
//     guest cannot keep locks across calls. Results are buffered, up to
//     Config.MaxResultBytes per statement.
//
// # Errors
//
// Server errors keep their SQLSTATE at the start of the message:
// "SQLSTATE 40001: could not serialize access ...". Serialization failures
// (40001) and deadlocks (40P01) are IO errors with that prefix, so the
// guest can tell them apart and retry the transaction (the guest's
// postgres store does, within the call). Insufficient privilege (42501) is NotPermitted; data
// exceptions (class 22) and program limits (54) InvalidArgument; data
// corruption (XX001, XX002) Corrupt; everything else IO. A server that is
// down or unreachable is IO "postgres: cannot reach the server: ...",
// within the call's deadline; the next call connects again.
//
// # Requirements and wiring
//
// PostgreSQL 14 or newer (client_connection_check_interval is set at
// connect). The host must call SetContext before and after every guest
// call: that is when a Session gives its connection back. A Session holds
// at most one connection, during a call, so a pool of MaxConns serves that
// many concurrent calls; give Connect WithMaxConns(instances) to avoid
// waits.
//
// # Names
//
// The name given to Open is a label for messages only: the schema is the
// one the connection is pinned to, whatever the name. Open with memory is
// InvalidArgument: a server has no per-process in-memory database (the
// mem backend needs the sqlite capability).
package pgcap
