package sqlcap

import (
	"errors"
	"os"
	"strings"

	"github.com/ncruces/go-sqlite3"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// codeOf classifies an SQLite error (see Session.Step) and returns a hint
// that starts the message.
func codeOf(primary sqlite3.ErrorCode, extended sqlite3.ExtendedErrorCode) (capability.Code, string) {
	switch primary {
	case sqlite3.NOTADB, sqlite3.CORRUPT:
		return capability.Corrupt, ""
	case sqlite3.BUSY, sqlite3.LOCKED:
		return capability.IO, "database is busy: "
	case sqlite3.INTERRUPT:
		return capability.IO, "interrupted (deadline or cancellation): "
	case sqlite3.PERM, sqlite3.AUTH:
		return capability.NotPermitted, ""
	case sqlite3.CANTOPEN:
		if extended == sqlite3.CANTOPEN_SYMLINK {
			return capability.NotPermitted, "symbolic links are not followed: "
		}
		return capability.IO, ""
	case sqlite3.RANGE, sqlite3.TOOBIG:
		return capability.InvalidArgument, ""
	case sqlite3.MISUSE:
		return capability.Internal, ""
	}
	return capability.IO, ""
}

// sqlErr turns an error of go-sqlite3 on the database labelled label into
// a *capability.Error whose message never holds the host's absolute path.
func (g *Grant) sqlErr(label string, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*capability.Error); ok {
		return e
	}
	var primary sqlite3.ErrorCode
	var extended sqlite3.ExtendedErrorCode
	code, hint := capability.IO, ""
	if errors.As(err, &primary) {
		errors.As(err, &extended)
		code, hint = codeOf(primary, extended)
	}
	msg := strings.TrimPrefix(err.Error(), "sqlite3: ")
	return capability.Errorf(code, "sql %s: %s%s", label, hint, g.scrub(msg))
}

// scrub removes the granted folder's absolute path from msg.
func (g *Grant) scrub(msg string) string {
	if g == nil || g.dir == "" {
		return msg
	}
	msg = strings.ReplaceAll(msg, g.dir+string(os.PathSeparator), "")
	return strings.ReplaceAll(msg, g.dir, ".")
}

// fromFiles rewrites an error of filecap for sql.
func fromFiles(err error) error {
	if e, ok := err.(*capability.Error); ok {
		return &capability.Error{Code: e.Code, Message: "sql: " + strings.TrimPrefix(e.Message, "files: ")}
	}
	return capability.Errorf(capability.Internal, "sql: %v", err)
}

// connErr is sqlErr for an error on the connection of c, with the reasons
// SQLite's own codes cannot carry: a file the VFS refused, a statement the
// authorizer denied, the memory database's size cap.
func (s *Session) connErr(c *conn, err error) error {
	if err == nil {
		return nil
	}
	if e, ok := err.(*capability.Error); ok {
		return e
	}
	if !c.memory && (errors.Is(err, sqlite3.CANTOPEN) || errors.Is(err, sqlite3.IOERR)) {
		if msg := s.g.takeRefusal(c.name); msg != "" {
			return capability.Errorf(capability.NotPermitted, "sql %s: %s", c.label, s.g.scrub(msg))
		}
	}
	switch {
	case c.denied != "":
		denied := c.denied
		c.denied = ""
		return capability.Errorf(capability.NotPermitted, "sql %s: %s", c.label, denied)
	case errors.Is(err, sqlite3.FULL) && c.memory:
		return capability.Errorf(capability.IO, "sql %s: the memory database is full (the limit is %d bytes)", c.label, s.g.limits.MemoryBytes)
	}
	return s.g.sqlErr(c.label, err)
}
