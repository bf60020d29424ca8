// Package pgserver starts a throwaway PostgreSQL server for tests: a fresh
// cluster (initdb) in a temporary folder, listening only on a unix socket
// inside that folder, with the confined role and schema sandcache's
// postgres backend expects (see [ConfinedSetup]).
//
// When PostgreSQL's binaries are missing and the process runs as root on a
// Debian-like system, [Start] installs them with
// `apt-get update && apt-get install -y postgresql` first. As root, initdb
// and the server run as the `postgres` user (initdb refuses root).
//
// The server is a child process that gets SIGQUIT (immediate shutdown) if
// the test process dies, so no server outlives its tests; [Server.Close]
// stops it and removes the folder.
package pgserver

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Names of the confined setup made by Start.
const (
	Database = "sandcache"       // the database
	Role     = "sandcache"       // the confined role the cache connects as
	Schema   = "sandcache"       // the only schema Role may use
	Other    = "sandcache_other" // a schema (with a table "secret") Role must not reach
	port     = 5432              // socket name only: nothing listens on TCP
)

// ConfinedSetup returns the SQL that confines role to one schema of the
// database db, run by a superuser (or the database owner) in db. It is the
// setup the postgres capability documents (internal/pgcap): a login
// role that is not a superuser and creates nothing outside its schema,
// owns that schema, cannot create temporary tables, and has the schema
// pinned as its search_path.
func ConfinedSetup(role, schema, db string) []string {
	r, s, d := pgx.Identifier{role}.Sanitize(), pgx.Identifier{schema}.Sanitize(), pgx.Identifier{db}.Sanitize()
	return []string{
		"CREATE ROLE " + r + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS",
		"REVOKE ALL ON DATABASE " + d + " FROM PUBLIC",
		"GRANT CONNECT ON DATABASE " + d + " TO " + r,
		"REVOKE ALL ON SCHEMA public FROM PUBLIC",
		"CREATE SCHEMA " + s + " AUTHORIZATION " + r,
		"ALTER ROLE " + r + " IN DATABASE " + d + " SET search_path = " + s,
	}
}

// Server is a running throwaway PostgreSQL.
type Server struct {
	dir     string // temporary folder: data/, the socket, log
	bin     string // folder of initdb and postgres
	cred    *syscall.Credential
	mu      sync.Mutex
	cmd     *exec.Cmd
	exited  chan struct{}
	logFile *os.File
}

// Start installs PostgreSQL if needed, creates a cluster in a temporary
// folder, starts it and creates the confined role, schema and a second
// schema the role must not reach. Close it when done.
func Start(ctx context.Context) (*Server, error) {
	bin, err := findBinaries()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, fmt.Errorf("pgserver: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	// Under /tmp: the postgres user must reach it (TMPDIR may be under
	// root's home), and the socket path must stay short.
	parent := ""
	if fi, err := os.Stat("/tmp"); err == nil && fi.IsDir() {
		parent = "/tmp"
	}
	if s.dir, err = os.MkdirTemp(parent, "sandcache-pg-"); err != nil {
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			s.Close()
		}
	}()
	if s.cred != nil {
		if err := os.Chown(s.dir, int(s.cred.Uid), int(s.cred.Gid)); err != nil {
			return nil, err
		}
	}
	initdb := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", s.data(), "-U", "postgres",
		"-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	initdb.Dir = s.dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("pgserver: initdb: %v\n%s", err, out)
	}
	if err := s.Restart(ctx); err != nil {
		return nil, err
	}
	if err := s.setup(ctx); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

func (s *Server) data() string { return filepath.Join(s.dir, "data") }

// DSN returns the connection string of the confined role.
func (s *Server) DSN() string { return s.dsn(Role, Database) }

// AdminDSN returns the connection string of the superuser, in the cache's
// database.
func (s *Server) AdminDSN() string { return s.dsn("postgres", Database) }

func (s *Server) dsn(role, db string) string {
	return fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable", s.dir, port, role, db)
}

// setup creates the database, the confined role and schema, and another
// schema with a table the role must not read.
func (s *Server) setup(ctx context.Context) error {
	if err := s.admin(ctx, s.dsn("postgres", "postgres"), "CREATE DATABASE "+Database); err != nil {
		return err
	}
	stmts := append(ConfinedSetup(Role, Schema, Database),
		"CREATE SCHEMA "+Other,
		"CREATE TABLE "+Other+".secret (v text)",
		"INSERT INTO "+Other+".secret VALUES ('do not read')",
	)
	return s.admin(ctx, s.AdminDSN(), stmts...)
}

// Admin runs statements as the superuser in the cache's database.
func (s *Server) Admin(ctx context.Context, stmts ...string) error {
	return s.admin(ctx, s.AdminDSN(), stmts...)
}

func (s *Server) admin(ctx context.Context, dsn string, stmts ...string) error {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("pgserver: connect as admin: %w", err)
	}
	defer c.Close(context.Background())
	for _, q := range stmts {
		if _, err := c.Exec(ctx, q); err != nil {
			return fmt.Errorf("pgserver: %s: %w", q, err)
		}
	}
	return nil
}

// Restart starts the server again after Stop (Start calls it first). It
// returns once the server accepts connections.
func (s *Server) Restart(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("pgserver: already running")
	}
	log, err := os.OpenFile(filepath.Join(s.dir, "server.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(filepath.Join(s.bin, "postgres"), "-D", s.data(), "-k", s.dir, "-p", strconv.Itoa(port),
		"-c", "listen_addresses=", "-c", "fsync=off", "-c", "synchronous_commit=off",
		"-c", "full_page_writes=off", "-c", "max_connections=200", "-c", "shared_buffers=32MB")
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		log.Close()
		return fmt.Errorf("pgserver: start postgres: %w", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	s.cmd, s.exited, s.logFile = cmd, exited, log
	deadline := time.Now().Add(60 * time.Second)
	for {
		c, err := pgx.Connect(ctx, s.dsn("postgres", "postgres"))
		if err == nil {
			c.Close(context.Background())
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("pgserver: postgres exited at start: %v\n%s", err, s.tail())
		default:
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("pgserver: postgres not ready: %v\n%s", err, s.tail())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// tail returns the end of the server's log.
func (s *Server) tail() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "server.log"))
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// Stop shuts the server down (fast shutdown: clients are disconnected),
// keeping its data for Restart.
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return nil
	}
	_ = s.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-s.exited:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	s.cmd = nil
	s.logFile.Close()
	return nil
}

// Close stops the server and removes its folder.
func (s *Server) Close() error {
	_ = s.Stop()
	if s.dir == "" {
		return nil
	}
	return os.RemoveAll(s.dir)
}

// findBinaries returns the folder holding initdb and postgres, installing
// Debian's postgresql package when they are missing and we are root.
func findBinaries() (string, error) {
	if dir := lookBinaries(); dir != "" {
		return dir, nil
	}
	if os.Geteuid() != 0 {
		return "", errors.New("pgserver: PostgreSQL (initdb, postgres) is not installed; install Debian's postgresql package")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", errors.New("pgserver: PostgreSQL is not installed and apt-get is missing")
	}
	// Test binaries of several packages may get here at once: one installs.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "sandcache-pgserver-install.lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	if dir := lookBinaries(); dir != "" {
		return dir, nil
	}
	for _, args := range [][]string{{"update"}, {"install", "-y", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=600", "postgresql"}} {
		cmd := exec.Command("apt-get", args...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		if out, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("pgserver: apt-get %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	if dir := lookBinaries(); dir != "" {
		return dir, nil
	}
	return "", errors.New("pgserver: installed postgresql but found no initdb")
}

// lookBinaries finds Debian's versioned folder (newest first), else
// initdb on PATH with postgres next to it.
func lookBinaries() string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	if p, err := exec.LookPath("initdb"); err == nil {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			dirs = append(dirs, filepath.Dir(r))
		}
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	return ""
}

func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Freeze stops the server's processes (SIGSTOP): connections stay open but
// nothing answers, as with a hung server or a lost network. Thaw resumes.
func (s *Server) Freeze() error { return s.signalGroup(syscall.SIGSTOP) }

// Thaw resumes a frozen server (SIGCONT).
func (s *Server) Thaw() error { return s.signalGroup(syscall.SIGCONT) }

func (s *Server) signalGroup(sig syscall.Signal) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return errors.New("pgserver: not running")
	}
	// Backends start their own sessions (setsid), so signal the
	// postmaster's children one by one.
	pid := s.cmd.Process.Pid
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			child, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			_ = syscall.Kill(child, sig)
		}
	}
	return syscall.Kill(pid, sig)
}

// NewConfined creates another confined role and schema, both named name,
// in the cache's database, and returns the role's DSN: a fresh, empty
// store for tests that need one to themselves.
func (s *Server) NewConfined(ctx context.Context, name string) (string, error) {
	if err := s.Admin(ctx, ConfinedSetup(name, name, Database)[:1]...); err != nil {
		return "", err
	}
	r, sc := pgx.Identifier{name}.Sanitize(), pgx.Identifier{name}.Sanitize()
	err := s.Admin(ctx,
		"GRANT CONNECT ON DATABASE "+Database+" TO "+r,
		"CREATE SCHEMA "+sc+" AUTHORIZATION "+r,
		"ALTER ROLE "+r+" IN DATABASE "+Database+" SET search_path = "+sc)
	return s.dsn(name, Database), err
}
