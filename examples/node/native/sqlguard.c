/*
 * sqlguard: the sandbox of sandcache's `sql` capability in the Node host, as a
 * SQLite loadable extension. better-sqlite3 has no authorizer API, so the host
 * loads this once per connection (db.loadExtension), right after its own
 * PRAGMAs (journal_mode, synchronous, busy_timeout) and before the guest gets
 * the handle. Its init:
 *
 *   - sqlite3_set_authorizer: exactly the statement kinds the guest's cache
 *     needs (internal/guest/cache/sqlschema.go): SELECT, INSERT/UPDATE/DELETE and reads
 *     on sandcache's tables (and reads of sqlite_master), BEGIN/COMMIT/
 *     ROLLBACK, CREATE/DROP of sandcache's own schema objects, and the
 *     functions count, max, coalesce, substr, length. Everything else (every
 *     PRAGMA, ATTACH, DETACH, hence VACUUM and VACUUM INTO, views, virtual
 *     tables, temp objects, ALTER, ANALYZE, recursive CTEs, other functions
 *     such as load_extension) is SQLITE_DENY: the statement fails to prepare
 *     with SQLITE_AUTH, which the host reports as `not-permitted`;
 *   - sqlite3_limit(SQLITE_LIMIT_ATTACHED, 0): no attached database, even if
 *     the authorizer were bypassed; strings and blobs of at most 32 MiB, SQL
 *     texts of at most 64 KiB, at most 32 parameters;
 *   - SQLITE_DBCONFIG_DEFENSIVE on, SQLITE_DBCONFIG_TRUSTED_SCHEMA off,
 *     SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION off (nothing more can be loaded
 *     on this connection, from SQL or from C).
 */
#include <string.h>
#include <strings.h>
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

static int in(const char *s, const char *const *list) {
	if (!s) return 0;
	for (; *list; list++)
		if (strcmp(s, *list) == 0) return 1;
	return 0;
}

static const char *const TABLES[] = {"cache_entries", "sandcache_counts", 0};
/* CREATE/DROP of the schema objects below writes sqlite_master (the
 * authorizer sees that write); a statement of the guest cannot (SQLite
 * refuses writes to sqlite_master unless writable_schema, which DEFENSIVE
 * turns off). */
static const char *const WRITABLE[] = {"cache_entries", "sandcache_counts", "sqlite_master", 0};
static const char *const READABLE[] = {"cache_entries", "sandcache_counts", "sqlite_master", "sqlite_schema", 0};
static const char *const INDEXES[] = {"idx_cache_entries_lru", "sandcache_idx_expiry", 0};
static const char *const TRIGGERS[] = {"sandcache_count_insert", "sandcache_count_delete", "sandcache_count_replace", 0};
/* changes(): the host reads it after exec (better-sqlite3 reports no count there) */
static const char *const FUNCTIONS[] = {"count", "max", "coalesce", "substr", "length", "changes", 0};

static int is_main(const char *db) { return db && strcmp(db, "main") == 0; }

static int authorize(void *arg, int action, const char *a1, const char *a2, const char *db, const char *inner) {
	(void)arg;
	(void)inner;
	switch (action) {
	case SQLITE_SELECT:
	case SQLITE_TRANSACTION:
		return SQLITE_OK;
	case SQLITE_READ:
		/* count(*) of a whole table reads column "" with no database name;
		 * with nothing attached and no temp objects, the table is main's */
		return (db == 0 || is_main(db)) && in(a1, READABLE) ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_INSERT:
	case SQLITE_UPDATE:
	case SQLITE_DELETE:
		return is_main(db) && in(a1, WRITABLE) ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_CREATE_TABLE:
		return is_main(db) && in(a1, TABLES) ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_CREATE_INDEX:
		/* a PRIMARY KEY's automatic index is created (and authorized) with its table */
		if (is_main(db) && a1 && strncmp(a1, "sqlite_autoindex_", 17) == 0 && in(a2, TABLES)) return SQLITE_OK;
		return is_main(db) && in(a1, INDEXES) && a2 && strcmp(a2, "cache_entries") == 0 ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_REINDEX: /* CREATE INDEX fills the new index under this code */
		return is_main(db) && in(a1, INDEXES) ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_CREATE_TRIGGER:
	case SQLITE_DROP_TRIGGER:
		return is_main(db) && in(a1, TRIGGERS) && a2 && strcmp(a2, "cache_entries") == 0 ? SQLITE_OK : SQLITE_DENY;
	case SQLITE_FUNCTION:
		for (const char *const *f = FUNCTIONS; *f; f++)
			if (a2 && strcasecmp(a2, *f) == 0) return SQLITE_OK;
		return SQLITE_DENY;
	default:
		return SQLITE_DENY;
	}
}


/*
 * Interruption. SQLite here has no progress handler (better-sqlite3 builds it
 * with SQLITE_OMIT_PROGRESS_CALLBACK), so a long statement of the guest is
 * ended from the owner's thread with sqlite3_interrupt. This library is
 * loaded once per process, so its registry is shared by all threads: each
 * guest connection is registered with its thread's tag (set by the worker
 * through sandcache_set_tag on its host connection) and unregistered by a
 * client-data destructor, which SQLite calls inside sqlite3_close before the
 * connection is freed; sandcache_interrupt(tag) holds the registry's mutex
 * while it interrupts, so it never touches a closed connection.
 */
#include <pthread.h>
#include <stdlib.h>

struct conn {
	sqlite3 *db;
	sqlite3_int64 tag;
	struct conn *prev, *next;
};
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static struct conn *registry;
static _Thread_local sqlite3_int64 thread_tag;

static void unregister(void *p) {
	struct conn *c = p;
	pthread_mutex_lock(&registry_mu);
	if (c->prev) c->prev->next = c->next;
	else registry = c->next;
	if (c->next) c->next->prev = c->prev;
	pthread_mutex_unlock(&registry_mu);
	free(c);
}

static int register_conn(sqlite3 *db) {
	if (thread_tag == 0) return SQLITE_OK;
	struct conn *c = calloc(1, sizeof *c);
	if (!c) return SQLITE_NOMEM;
	c->db = db;
	c->tag = thread_tag;
	pthread_mutex_lock(&registry_mu);
	c->next = registry;
	if (registry) registry->prev = c;
	registry = c;
	pthread_mutex_unlock(&registry_mu);
	return sqlite3_set_clientdata(db, "sandcache_guard", c, unregister);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sqlguard_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
	SQLITE_EXTENSION_INIT2(api);
	(void)err;
	int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)0);
	if (rc == SQLITE_OK) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)0);
	if (rc == SQLITE_OK) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
	if (rc != SQLITE_OK) return rc;
	sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
	/* The guest's largest row is a 16 MiB value and a 64 KiB key; its SQL is
	 * a few hundred bytes with at most 5 parameters. */
	sqlite3_limit(db, SQLITE_LIMIT_LENGTH, 32 << 20);
	sqlite3_limit(db, SQLITE_LIMIT_SQL_LENGTH, 64 << 10);
	sqlite3_limit(db, SQLITE_LIMIT_VARIABLE_NUMBER, 32);
	rc = register_conn(db);
	if (rc != SQLITE_OK) return rc;
	return sqlite3_set_authorizer(db, authorize, 0);
}

/*
 * The host's own connection (never the guest's): sandcache_set_tag(tag) and
 * sandcache_interrupt(tag) (see above), and flock(fd, op) for files.mjs,
 * op 1 = LOCK_EX (blocking), 0 = LOCK_UN. Here because fs-ext, the usual npm
 * binding of flock(2), is not safe to load in more than one worker thread,
 * and the guest runs in worker threads.
 */
#include <errno.h>
#include <sys/file.h>

static void flock_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
	(void)argc;
	int fd = sqlite3_value_int(argv[0]);
	int op = sqlite3_value_int(argv[1]) ? LOCK_EX : LOCK_UN;
	int rc;
	do rc = flock(fd, op);
	while (rc != 0 && errno == EINTR);
	sqlite3_result_int(ctx, rc == 0 ? 0 : errno);
}

static void set_tag_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
	(void)argc;
	thread_tag = sqlite3_value_int64(argv[0]);
	sqlite3_result_null(ctx);
}

static void interrupt_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
	(void)argc;
	sqlite3_int64 tag = sqlite3_value_int64(argv[0]), n = 0;
	pthread_mutex_lock(&registry_mu);
	for (struct conn *c = registry; c; c = c->next)
		if (c->tag == tag) {
			sqlite3_interrupt(c->db);
			n++;
		}
	pthread_mutex_unlock(&registry_mu);
	sqlite3_result_int64(ctx, n);
}

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_sqlguard_host_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
	SQLITE_EXTENSION_INIT2(api);
	(void)err;
	int rc = sqlite3_create_function(db, "sandcache_flock", 2, SQLITE_UTF8, 0, flock_fn, 0, 0);
	if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "sandcache_set_tag", 1, SQLITE_UTF8, 0, set_tag_fn, 0, 0);
	if (rc == SQLITE_OK) rc = sqlite3_create_function(db, "sandcache_interrupt", 1, SQLITE_UTF8, 0, interrupt_fn, 0, 0);
	if (rc == SQLITE_OK) rc = sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, (int *)0);
	return rc;
}
