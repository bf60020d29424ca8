package pgcap

import (
	"strings"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// screened is what screening learnt about a statement.
type screened struct {
	params   int    // highest $n used
	rollback bool   // ROLLBACK or ABORT (always allowed, even after a lost connection)
	keyword  string // first keyword, lower case
}

// allowedFirst are the statements a guest may run, by first keyword. For
// CREATE, ALTER and DROP, allowedObject lists what may follow.
var allowedFirst = map[string]bool{
	"select": true, "with": true, "values": true, "insert": true, "update": true, "delete": true,
	"begin": true, "start": true, "commit": true, "end": true, "rollback": true, "abort": true,
	"savepoint": true, "release": true, "lock": true, "truncate": true,
	"create": true, "alter": true, "drop": true,
}

var allowedObject = map[string][]string{
	"create": {"table", "index", "unique"},
	"alter":  {"table"},
	"drop":   {"table", "index"},
}

// deniedFunctions are refused wherever they are called: they change
// session state, reach files, programs, large objects (database-wide),
// other servers or other sessions, or run SQL given as a string.
var deniedFunctions = []string{
	"set_config", "pg_read_", "pg_ls_", "pg_stat_file", "pg_file_", "lo_", "loread", "lowrite",
	"dblink", "query_to_xml", "cursor_to_xml", "table_to_xml", "schema_to_xml", "database_to_xml",
	"pg_advisory_", "pg_try_advisory_", "pg_terminate_backend", "pg_cancel_backend",
	"pg_reload_conf", "pg_rotate_logfile", "pg_promote", "pg_switch_wal", "pg_notify",
	"pg_create_", "pg_drop_replication_slot", "pg_replication_", "pg_logical_", "pg_stat_reset",
	"pg_backup_", "pg_log_backend", "pg_import_system_collations",
	"ts_stat", "ts_rewrite", // run a query given as text
}

func deniedFunction(name string) bool {
	for _, d := range deniedFunctions {
		if strings.HasPrefix(name, d) {
			return true
		}
	}
	return false
}

// token kinds of the lexer.
const (
	tIdent  = iota // word or "quoted identifier"
	tParam         // $n
	tString        // any string constant
	tPunct         // one character
)

type token struct {
	kind   int
	text   string // identifier (lower-cased unless quoted) or punctuation
	quoted bool
}

func refused(format string, args ...any) error {
	return capability.Errorf(capability.NotPermitted, "postgres: statement refused: "+format, args...)
}

// screen checks sql against the host's rules (package doc): one statement,
// an allowed first keyword, no denied function, no U& names.
func screen(sql string) (screened, error) {
	toks, err := lex(sql)
	if err != nil {
		return screened{}, err
	}
	var out screened
	for i, t := range toks {
		switch {
		case t.kind == tPunct && t.text == ";":
			if i != len(toks)-1 {
				return screened{}, capability.Errorf(capability.InvalidArgument, "postgres: more than one statement in %q", sql)
			}
		case t.kind == tParam:
			n := 0
			for _, c := range t.text {
				n = n*10 + int(c-'0')
				if n > 65535 {
					return screened{}, capability.Errorf(capability.InvalidArgument, "postgres: parameter %s out of range", t.text)
				}
			}
			out.params = max(out.params, n)
		case t.kind == tIdent && i+1 < len(toks) && toks[i+1].kind == tPunct && toks[i+1].text == "(":
			if deniedFunction(strings.ToLower(t.text)) {
				return screened{}, refused("function %s is not allowed", t.text)
			}
		}
	}
	if len(toks) == 0 || (len(toks) == 1 && toks[0].text == ";") {
		return screened{}, capability.Errorf(capability.InvalidArgument, "postgres: no statement in %q", sql)
	}
	first := toks[0]
	if first.kind == tPunct && first.text == "(" { // (SELECT ...) UNION ...
		first = token{kind: tIdent, text: "select"}
	}
	if first.kind != tIdent || first.quoted || !allowedFirst[first.text] {
		return screened{}, refused("%s statements are not allowed", strings.ToUpper(first.text))
	}
	out.keyword = first.text
	if objs, ok := allowedObject[first.text]; ok {
		next := ""
		if len(toks) > 1 && toks[1].kind == tIdent && !toks[1].quoted {
			next = toks[1].text
		}
		okObj := false
		for _, o := range objs {
			okObj = okObj || next == o
		}
		if !okObj {
			return screened{}, refused("%s %s is not allowed", strings.ToUpper(first.text), strings.ToUpper(next))
		}
	}
	out.rollback = first.text == "rollback" || first.text == "abort"
	return out, nil
}

// lex splits sql into tokens, dropping white space and comments. It knows
// PostgreSQL's quoting: '...', E'...', $tag$...$tag$, "...", -- and
// nested /* */ comments.
func lex(sql string) ([]token, error) {
	var toks []token
	bad := func(what string) ([]token, error) {
		return nil, capability.Errorf(capability.InvalidArgument, "postgres: %s in %q", what, sql)
	}
	for i := 0; i < len(sql); {
		c := sql[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '-' && i+1 < len(sql) && sql[i+1] == '-':
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(sql) && sql[i+1] == '*':
			depth := 0
			for {
				if i+1 >= len(sql) {
					return bad("unterminated comment")
				}
				if sql[i] == '/' && sql[i+1] == '*' {
					depth++
					i += 2
				} else if sql[i] == '*' && sql[i+1] == '/' {
					depth--
					i += 2
					if depth == 0 {
						break
					}
				} else {
					i++
				}
			}
		case c == '\'':
			end, ok := quoted(sql, i, '\'', false)
			if !ok {
				return bad("unterminated string")
			}
			toks = append(toks, token{kind: tString})
			i = end
		case c == '"':
			end, ok := quoted(sql, i, '"', false)
			if !ok {
				return bad("unterminated quoted identifier")
			}
			name := strings.ReplaceAll(sql[i+1:end-1], `""`, `"`)
			toks = append(toks, token{kind: tIdent, text: name, quoted: true})
			i = end
		case c == '$' && i+1 < len(sql) && sql[i+1] >= '0' && sql[i+1] <= '9':
			j := i + 1
			for j < len(sql) && sql[j] >= '0' && sql[j] <= '9' {
				j++
			}
			toks = append(toks, token{kind: tParam, text: sql[i+1 : j]})
			i = j
		case c == '$':
			j := i + 1
			for j < len(sql) && isIdentChar(sql[j]) && sql[j] != '$' {
				j++
			}
			if j >= len(sql) || sql[j] != '$' {
				return bad("stray $")
			}
			tag := sql[i : j+1]
			end := strings.Index(sql[j+1:], tag)
			if end < 0 {
				return bad("unterminated dollar-quoted string")
			}
			toks = append(toks, token{kind: tString})
			i = j + 1 + end + len(tag)
		case isIdentStart(c):
			j := i
			for j < len(sql) && isIdentChar(sql[j]) {
				j++
			}
			word := sql[i:j]
			if j < len(sql) && sql[j] == '\'' { // E'..', B'..', X'..', N'..' and the like
				end, ok := quoted(sql, j, '\'', strings.EqualFold(word, "e"))
				if !ok {
					return bad("unterminated string")
				}
				toks = append(toks, token{kind: tString})
				i = end
				continue
			}
			if strings.EqualFold(word, "u") && j < len(sql) && sql[j] == '&' {
				return nil, refused("U& escaped names and strings are not allowed")
			}
			toks = append(toks, token{kind: tIdent, text: strings.ToLower(word)})
			i = j
		default:
			toks = append(toks, token{kind: tPunct, text: string(c)})
			i++
		}
	}
	return toks, nil
}

// quoted returns the index after the quote closing the constant that
// starts at sql[i] (a q), doubled quotes and, with backslash, \-escapes
// included.
func quoted(sql string, i int, q byte, backslash bool) (int, bool) {
	for j := i + 1; j < len(sql); j++ {
		switch {
		case backslash && sql[j] == '\\':
			j++
		case sql[j] == q:
			if j+1 < len(sql) && sql[j+1] == q {
				j++
				continue
			}
			return j + 1, true
		}
	}
	return 0, false
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80
}

func isIdentChar(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$' }
