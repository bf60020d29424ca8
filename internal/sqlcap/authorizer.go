package sqlcap

import (
	"fmt"
	"strings"

	"github.com/ncruces/go-sqlite3"
)

// The authorizer allows exactly the statements a cache needs (the guest's
// queries, its schema objects and the host's pragmas) on the main
// database, and denies the rest: SQLite then fails the statement with
// SQLITE_AUTH, which the capability reports as NotPermitted. It runs when
// a statement is prepared (and re-prepared after a schema change), not
// when it steps.
var (
	// authTables may be read and written (sqlite_master is written by the
	// allowed CREATE and DROP statements; DEFENSIVE mode keeps direct
	// writes to it out).
	authTables      = set("cache_entries", "sandcache_counts", "sqlite_master", "sqlite_schema")
	authCreateTable = set("cache_entries", "sandcache_counts")
	authIndexes     = set("idx_cache_entries_lru", "sandcache_idx_expiry",
		"sqlite_autoindex_cache_entries_1", "sqlite_autoindex_sandcache_counts_1")
	authTriggers  = set("sandcache_count_insert", "sandcache_count_delete", "sandcache_count_replace")
	authFunctions = set("count", "max", "coalesce", "substr", "length")
	authTx        = set("BEGIN", "COMMIT", "ROLLBACK")
)

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// authorize decides one action (see sqlite3_set_authorizer); denied
// describes a denial for the error message.
func authorize(action sqlite3.AuthorizerActionCode, name3, name4, schema string) (ok bool) {
	if schema != "" && schema != "main" {
		return false
	}
	switch action {
	case sqlite3.AUTH_SELECT:
		return true
	case sqlite3.AUTH_READ, sqlite3.AUTH_INSERT, sqlite3.AUTH_UPDATE, sqlite3.AUTH_DELETE:
		return authTables[strings.ToLower(name3)]
	case sqlite3.AUTH_TRANSACTION:
		return authTx[strings.ToUpper(name3)]
	case sqlite3.AUTH_FUNCTION:
		return authFunctions[strings.ToLower(name4)]
	case sqlite3.AUTH_CREATE_TABLE:
		return authCreateTable[name3]
	case sqlite3.AUTH_CREATE_INDEX:
		return authIndexes[name3] && authCreateTable[name4]
	case sqlite3.AUTH_REINDEX:
		return authIndexes[name3]
	case sqlite3.AUTH_CREATE_TRIGGER, sqlite3.AUTH_DROP_TRIGGER:
		return authTriggers[name3] && name4 == "cache_entries"
	case sqlite3.AUTH_PRAGMA:
		return authPragma(strings.ToLower(name3), strings.ToLower(name4))
	}
	return false
}

// authPragma allows the pragmas the host runs, with the values it uses.
func authPragma(name, arg string) bool {
	switch name {
	case "journal_mode":
		return arg == "wal" || arg == ""
	case "synchronous":
		return arg == "normal" || arg == "1" || arg == ""
	case "busy_timeout":
		return true
	}
	return false
}

// describeAction names a denied action for the error message.
func describeAction(action sqlite3.AuthorizerActionCode, name3, name4, schema string) string {
	var what string
	switch action {
	case sqlite3.AUTH_ATTACH:
		return "ATTACH (and VACUUM INTO) is not permitted"
	case sqlite3.AUTH_DETACH:
		return "DETACH is not permitted"
	case sqlite3.AUTH_PRAGMA:
		what = "PRAGMA " + name3
	case sqlite3.AUTH_FUNCTION:
		what = "function " + name4 + "()"
	case sqlite3.AUTH_READ, sqlite3.AUTH_INSERT, sqlite3.AUTH_UPDATE, sqlite3.AUTH_DELETE:
		what = fmt.Sprintf("%s on table %s", actionNames[action], name3)
	default:
		what = actionNames[action]
		if name3 != "" {
			what += " " + name3
		}
	}
	if schema != "" && schema != "main" {
		what += " in schema " + schema
	}
	return what + " is not permitted"
}

var actionNames = map[sqlite3.AuthorizerActionCode]string{
	sqlite3.AUTH_CREATE_INDEX: "CREATE INDEX", sqlite3.AUTH_CREATE_TABLE: "CREATE TABLE",
	sqlite3.AUTH_CREATE_TEMP_INDEX: "CREATE TEMP INDEX", sqlite3.AUTH_CREATE_TEMP_TABLE: "CREATE TEMP TABLE",
	sqlite3.AUTH_CREATE_TEMP_TRIGGER: "CREATE TEMP TRIGGER", sqlite3.AUTH_CREATE_TEMP_VIEW: "CREATE TEMP VIEW",
	sqlite3.AUTH_CREATE_TRIGGER: "CREATE TRIGGER", sqlite3.AUTH_CREATE_VIEW: "CREATE VIEW",
	sqlite3.AUTH_DELETE: "DELETE", sqlite3.AUTH_DROP_INDEX: "DROP INDEX", sqlite3.AUTH_DROP_TABLE: "DROP TABLE",
	sqlite3.AUTH_DROP_TEMP_INDEX: "DROP TEMP INDEX", sqlite3.AUTH_DROP_TEMP_TABLE: "DROP TEMP TABLE",
	sqlite3.AUTH_DROP_TEMP_TRIGGER: "DROP TEMP TRIGGER", sqlite3.AUTH_DROP_TEMP_VIEW: "DROP TEMP VIEW",
	sqlite3.AUTH_DROP_TRIGGER: "DROP TRIGGER", sqlite3.AUTH_DROP_VIEW: "DROP VIEW", sqlite3.AUTH_INSERT: "INSERT",
	sqlite3.AUTH_READ: "SELECT", sqlite3.AUTH_SELECT: "SELECT", sqlite3.AUTH_TRANSACTION: "transaction",
	sqlite3.AUTH_UPDATE: "UPDATE", sqlite3.AUTH_ALTER_TABLE: "ALTER TABLE", sqlite3.AUTH_REINDEX: "REINDEX",
	sqlite3.AUTH_ANALYZE: "ANALYZE", sqlite3.AUTH_CREATE_VTABLE: "CREATE VIRTUAL TABLE",
	sqlite3.AUTH_DROP_VTABLE: "DROP VIRTUAL TABLE", sqlite3.AUTH_SAVEPOINT: "SAVEPOINT",
	sqlite3.AUTH_RECURSIVE: "a recursive query",
}
