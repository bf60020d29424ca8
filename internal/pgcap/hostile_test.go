package pgcap

import (
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/tests/pgserver"
)

// A hostile guest calling the real capability: everything outside the
// cache's schema is refused, by the host's screen or by the role's
// privileges, and never reaches the host's files, programs or session.
func TestHostileStatementsAreRefused(t *testing.T) {
	s := session(t)
	db := open(t, s)
	for _, tc := range []struct {
		sql  string
		code capability.Code
	}{
		{"COPY (SELECT 1) TO PROGRAM 'touch /tmp/sandcache-pwned'", capability.NotPermitted},
		{"copy cache_entries from '/etc/passwd'", capability.NotPermitted},
		{"SELECT pg_read_file('/etc/passwd')", capability.NotPermitted},
		{"SELECT pg_catalog.pg_read_binary_file('/etc/passwd')", capability.NotPermitted},
		{`SELECT "pg_read_file"('/etc/passwd')`, capability.NotPermitted},
		{"SELECT * FROM pg_ls_dir('/')", capability.NotPermitted},
		{"SELECT lo_import('/etc/passwd')", capability.NotPermitted},
		{"SELECT lo_export(1, '/tmp/x')", capability.NotPermitted},
		{"SELECT dblink_exec('host=x', 'SELECT 1')", capability.NotPermitted},
		{"SELECT query_to_xml('SET ROLE postgres', true, true, '')", capability.NotPermitted},
		{"SELECT set_config('search_path', 'public', false)", capability.NotPermitted},
		{"SELECT * FROM ts_stat('SELECT set_config(''role'', ''postgres'', false)::tsvector')", capability.NotPermitted},
		{"SELECT set_config /* hidden */ ('search_path', 'public', false)", capability.NotPermitted},
		{"SELECT pg_advisory_lock(1)", capability.NotPermitted},
		{"SET ROLE postgres", capability.NotPermitted},
		{"set search_path = public", capability.NotPermitted},
		{"SET LOCAL statement_timeout = 0", capability.NotPermitted},
		{"RESET ROLE", capability.NotPermitted},
		{"RESET ALL", capability.NotPermitted},
		{"DO $$ BEGIN PERFORM 1; END $$", capability.NotPermitted},
		{"CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", capability.NotPermitted},
		{"CREATE TEMP TABLE t (x int)", capability.NotPermitted},
		{"GRANT ALL ON SCHEMA sandcache TO PUBLIC", capability.NotPermitted},
		{"PREPARE p AS SELECT 1", capability.NotPermitted},
		{"DECLARE c CURSOR WITH HOLD FOR SELECT 1", capability.NotPermitted},
		{"LISTEN x", capability.NotPermitted},
		{"DISCARD ALL", capability.NotPermitted},
		{`SELECT U&"\0070g_read_file"('/etc/passwd')`, capability.NotPermitted},
		{"SELECT 1; SET ROLE postgres", capability.InvalidArgument},
		{"SELECT 1; SELECT 2", capability.InvalidArgument},
		// Reached the server, refused by the role's privileges.
		{"SELECT v FROM " + pgserver.Other + ".secret", capability.NotPermitted},
		{"SELECT rolpassword FROM pg_catalog.pg_authid", capability.NotPermitted},
		{"CREATE TABLE public.planted (x int)", capability.NotPermitted},
	} {
		_, err := s.Prepare(db, tc.sql)
		if err == nil {
			_, err = rows(t, s, db, tc.sql)
		}
		wantCode(t, tc.sql, err, tc.code)
		if err2 := s.Exec(db, tc.sql); capability.CodeOf(err2) != tc.code {
			t.Fatalf("Exec(%q) = %v; want code %v", tc.sql, err2, tc.code)
		}
	}
	// The session is unchanged: same role, same search_path.
	got, err := rows(t, s, db, "SELECT current_user, current_setting('search_path')")
	must(t, err)
	if got[0][0] != pgserver.Role || !strings.Contains(got[0][1], pgserver.Schema) {
		t.Fatalf("session after the attempts: %v", got)
	}
}

// Quoting does not hide a denied call, and screening does not refuse
// denied names inside strings, comments or as plain column names.
func TestScreen(t *testing.T) {
	for _, sql := range []string{
		"SELECT 'pg_read_file(x)' AS v",
		"SELECT $x$ set_config( $x$",
		"SELECT 1 -- SET ROLE x; pg_read_file(\n",
		"SELECT /* nested /* SET */ ; */ 1",
		"SELECT E'it\\'s; SET ROLE x'",
		"WITH n AS (UPDATE t SET a = 1 RETURNING a) SELECT a FROM n;",
		"(SELECT 1) UNION (SELECT 2)",
		"CREATE UNIQUE INDEX IF NOT EXISTS i ON t(a)",
		"select lo_col from t",
	} {
		if _, err := screen(sql); err != nil {
			t.Errorf("screen(%q) = %v; want allowed", sql, err)
		}
	}
	for _, sql := range []string{
		"SELECT 'a' ; SET ROLE x",
		"SELECT pg_catalog . set_config ('a','b',false)",
		`SELECT "SET_CONFIG"('a','b',false)`,
		"SELECT 'unterminated",
		"SELECT $q$ unterminated",
		"/* only a comment */",
		"",
		"ALTER ROLE sandcache SUPERUSER",
		"DROP SCHEMA sandcache CASCADE",
		`"select" 1`,
	} {
		if _, err := screen(sql); err == nil {
			t.Errorf("screen(%q) allowed; want refused", sql)
		}
	}
	sc, err := screen("SELECT $1, $12, $3")
	if err != nil || sc.params != 12 {
		t.Fatalf("params = %d, %v; want 12", sc.params, err)
	}
}

func TestSuperuserRoleIsRefused(t *testing.T) {
	srv := pgserver.Shared()
	if srv == nil {
		t.Skip("the server was given by SANDCACHE_TEST_DSN; no admin DSN")
	}
	s := newSession(t, newCap(t, srv.AdminDSN(), NewConfig()))
	db := open(t, s)
	wantCode(t, "statement as a superuser", s.Exec(db, "SELECT 1"), capability.NotPermitted)
}

func TestBadDSN(t *testing.T) {
	_, err := Connect("postgres://user@host:notaport/db", NewConfig())
	wantCode(t, "bad DSN", err, capability.InvalidArgument)
}
