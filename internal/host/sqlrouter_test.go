package host

import (
	"context"
	"strings"
	"testing"

	"github.com/sandcache/sandcache/internal/guest/capability"
	"github.com/sandcache/sandcache/internal/pgcap"
	"github.com/sandcache/sandcache/internal/sqlcap"
)

// The router keeps the two handle spaces apart: server handles carry
// serverBit and reach only the pgcap session (here a server nobody
// listens for, so anything routed to it fails with "cannot reach the
// server"), local handles only the SQLite session.
func TestSQLRouterSeparatesHandles(t *testing.T) {
	grant, err := sqlcap.NewGrant(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer grant.Close()
	server, err := pgcap.Connect("host="+t.TempDir()+" user=x dbname=x connect_timeout=2", pgcap.NewConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()
	r := newSQLRouter(sqlcap.NewSession(grant), server)
	defer r.CloseAll()
	r.SetContext(context.Background())

	local, err := r.Open("a.sqlite", false)
	if err != nil || isServer(local) {
		t.Fatalf("open: %v %x", err, local)
	}
	remote, err := r.OpenServer("server")
	if err != nil || !isServer(remote) {
		t.Fatalf("open-server: %v %x", err, remote)
	}
	for _, sql := range []string{"BEGIN", "ROLLBACK"} {
		if err := r.Exec(local, sql); err != nil {
			t.Fatalf("local exec %s: %v", sql, err)
		}
	}
	if err := r.Exec(remote, "SELECT 1"); capability.CodeOf(err) != capability.IO || !strings.Contains(err.Error(), "cannot reach the server") {
		t.Fatalf("server exec: %v; want IO, cannot reach the server", err)
	}
	// A local handle with the bit is not a server database (the number
	// without the bit names a local one: the spaces are separate).
	second, err := r.Open("b.sqlite", false)
	if err != nil || second == local {
		t.Fatalf("open a second: %v %x", err, second)
	}
	if err := r.Exec(second|serverBit, "SELECT 1"); err == nil || strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("a local handle with the server bit: %v; want unknown handle", err)
	}
	ls, err := r.Prepare(local, "SELECT 42")
	if err != nil || isServer(ls) {
		t.Fatalf("local prepare: %v %x", err, ls)
	}
	rs, err := r.Prepare(remote, "SELECT 42")
	if err != nil || !isServer(rs) {
		t.Fatalf("server prepare: %v %x", err, rs)
	}
	if row, err := r.Step(ls); err != nil || !row || r.ColumnInt(ls, 0) != 42 {
		t.Fatalf("local step: %v %v", row, err)
	}
	if _, err := r.Step(rs); capability.CodeOf(err) != capability.IO {
		t.Fatalf("server step: %v; want IO", err)
	}
	if ls|serverBit != rs {
		if _, err := r.Step(ls | serverBit); err == nil {
			t.Fatal("a local statement with the server bit stepped")
		}
	}
	// Closing the server database leaves the local one open.
	r.Close(remote)
	if err := r.Reset(ls); err != nil {
		t.Fatal(err)
	}
	if row, err := r.Step(ls); err != nil || !row {
		t.Fatalf("local step after closing the server db: %v %v", row, err)
	}
}

// Without a server, open-server is not permitted.
func TestOpenServerWithoutServer(t *testing.T) {
	grant, err := sqlcap.NewGrant(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer grant.Close()
	if _, err := openServer(sqlcap.NewSession(grant), "x"); capability.CodeOf(err) != capability.NotPermitted {
		t.Fatalf("open-server without a server: %v; want NotPermitted", err)
	}
}
