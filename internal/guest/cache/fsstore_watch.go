package cache

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"

	"github.com/sandcache/sandcache/internal/guest/capability"
)

// Keeping a namespace's index current without listing the folder on
// every put.
//
// A put must enforce max_entries against the truth: once every process is
// quiet, the namespace holds at most max_entries entries. A store learns
// the truth by listing the folder, which costs O(entries) per put (on
// ext4, ~5 ms natively and ~12 ms through the sandbox for 10 000 names,
// against ~1 ms for the whole put into a small namespace). Counting its
// own puts is not enough: other writers (processes, other guest instances,
// other caches on the folder) add entries it cannot see, and with k
// writers each staying below any fixed fraction of max_entries, their sum
// can exceed it. So a store may skip the listing only when it knows that
// nobody else changed the folder since its last listing. The capability
// has no cheap "changed since" query, and the WIT is not to grow one; the
// signal is built from files instead:
//
//   - A store that wants to skip listings holds a token: an empty-ish file
//     <namespace>/.sandcache-watch/<its 16-hex id>, created BEFORE the
//     listing it will trust (so any write its listing misses happened
//     after the token existed).
//   - Every writer, after each put and each removal of a record (delete;
//     eviction, expiry or clear), lists .sandcache-watch (a tiny folder,
//     usually absent) and removes every token but its own. Removal costs
//     no fsync. Hits, which only rewrite last_accessed_ms, do not notify.
//   - A put writes its record, notifies as above, and only then checks its
//     own token: present means its index (last listing + what it did since)
//     is still the truth, so it evicts from the index without listing;
//     absent means somebody changed the folder: list again, re-create the
//     token first.
//
// Why "once quiet, at most max_entries" still holds. Each put p has its
// write w(p) < its removals of other tokens r(p) < its token check c(p)
// (when p removed nothing, c(p) is the listing of the watch folder itself;
// otherwise p reads its token again after removing). Take the put x with
// the latest check among the last puts of all writers. If x finds its
// token gone, it lists after c(x), later than every other put's write,
// and sees everything. If x finds its token T present, let T have been
// created at t, before x's last listing L. For any other put y: if the
// watch listing of y ran after t, it saw T (T exists from t to c(x)) and y
// removed it at r(y) < c(y) < c(x), contradicting T being present; so
// y's watch listing ran before t, and then w(y) < t < L, and x's listing
// saw y's record. Either way x's index holds every record, and x evicts
// down to max_entries. Puts that finished earlier only make the count
// smaller. (The listing of a folder returns every name present throughout
// it, which is all the argument needs.)
//
// What the index may still get wrong is the content of a record it knows
// by name (a listing brings names, and only unseen names are read):
// another writer's hit refreshes last_accessed_ms without notice, and
// another writer's put of the same key replaces the record. Eviction
// re-reads each victim and removes it only if unchanged (compare-and-
// swap), re-ranking it otherwise, so a stale index costs re-reads, not
// wrong evictions; stats, keys and purge read every record. One effect
// remains: a record another writer re-put with a shorter TTL is removed
// as expired by this store's puts only once it has re-read it (its own
// get, stats, keys, purge, or as an eviction victim); until then it counts
// as live, so a put may evict one entry more than the exact LRU would.
//
// Writers that do not follow this protocol (the original Harn runtime, a
// person) are not seen until the next listing: a store also lists every
// relistEvery puts, so their records are counted again within that many
// puts (the original itself reads every record on each of its puts).
//
// Costs and modes. Small namespaces (fewer than tokenEnter entries) are
// simply listed on every put and hold no token, so the folder stays
// exactly as the original leaves it (the recorded vectors see no extra
// file). When several writers put into one large namespace at the same
// time, every put removes the others' tokens and every put lists anyway;
// re-creating a token each time would add an fsync per put for nothing,
// so a store whose token was found gone twice in a row lists without one
// for backoff puts (16, doubling up to 1024 while it keeps happening).
// Tokens of crashed processes are removed by the next writer.

const (
	watchDir    = ".sandcache-watch" // in the namespace folder; never a record name
	tokenEnter  = 128                // entries from which a store holds a token
	tokenExit   = 64                 // entries below which it gives it up
	relistEvery = 1024               // puts between listings even with a token
	backoffMin  = 16
	backoffMax  = 1024
)

var tokenData = []byte("sandcache index token\n")

// watchState is a store's token state for one namespace.
type watchState struct {
	token       bool // holds a token created before the last listing
	lost        int  // consecutive checks that found the token gone
	backoff     int  // puts left before holding a token again
	nextBackoff int
	sinceList   int // puts since the last listing
}

// newStoreID returns a random 16-hex token name.
func newStoreID() string {
	// The token only tells this store's listing from another's; it need
	// not be secret, so the runtime's generator (seeded from WASI's
	// random_get) serves, and crypto/rand's DRBG stays out of the guest.
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return hex.EncodeToString(b[:])
}

// isTokenName reports whether name is 16 lower-case hex digits.
func isTokenName(name string) bool {
	if len(name) != 16 {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *fsStore) watchPath(ns string) string { return s.dir(ns) + "/" + watchDir }
func (s *fsStore) tokenPath(ns string) string { return s.watchPath(ns) + "/" + s.id }

// notify tells the other stores that the namespace changed: it removes
// every token but this store's own, and reports whether its own was
// listed and whether it removed any. A watch folder that is not a real
// folder (a symlink: NotPermitted) can hold no token, so it needs no
// notice.
func (s *fsStore) notify(ns string) (own, removed bool, err error) {
	names, err := s.files.List(s.watchPath(ns))
	if err != nil {
		if capability.CodeOf(err) == capability.NotPermitted {
			return false, false, nil
		}
		return false, false, fsErr(err)
	}
	for _, name := range names {
		if !isTokenName(name) {
			continue
		}
		if name == s.id {
			own = true
			continue
		}
		if _, err := s.files.Remove(s.watchPath(ns) + "/" + name); err != nil {
			if capability.CodeOf(err) == capability.NotPermitted {
				continue
			}
			return own, removed, fsErr(err)
		}
		removed = true
	}
	return own, removed, nil
}

// current notifies after a put's write, then reports whether the index
// may be trusted without a listing (see the argument above).
func (s *fsStore) current(ns string, idx *nsIndex) (bool, error) {
	own, removed, err := s.notify(ns)
	if err != nil {
		return false, err
	}
	w := &idx.watch
	if !w.token {
		return false, nil
	}
	if own && removed {
		// The check must come after this put's own removals.
		_, ok, err := s.files.Read(s.tokenPath(ns))
		own = err == nil && ok
	}
	if !own {
		w.token = false
		if w.lost++; w.lost >= 2 {
			w.backoff, w.lost = w.nextBackoff, 0
			w.nextBackoff = min(2*w.nextBackoff, backoffMax)
		}
		return false, nil
	}
	w.lost, w.nextBackoff = 0, backoffMin
	w.sinceList++
	return w.sinceList < relistEvery, nil
}

// wantsToken reports whether a writer should hold a token now.
func (idx *nsIndex) wantsToken() bool {
	return !idx.watch.token && idx.watch.backoff == 0 && len(idx.entries) >= tokenEnter
}

// takeToken creates this store's token; a failure only means listing on
// every put.
func (s *fsStore) takeToken(ns string, idx *nsIndex) {
	idx.watch.token = s.files.WriteAtomic(s.tokenPath(ns), tokenData) == nil
}

// dropToken removes this store's token (best effort).
func (s *fsStore) dropToken(ns string, idx *nsIndex) {
	if idx.watch.token {
		_, _ = s.files.Remove(s.tokenPath(ns))
		idx.watch.token = false
	}
}

// relist brings the namespace's index up to date with the folder's names,
// a writer taking or giving up its token on the way: a token is always
// created before the listing that is trusted with it.
func (s *fsStore) relist(ns string, idx *nsIndex, writer bool) error {
	if writer && idx.wantsToken() {
		s.takeToken(ns, idx)
	}
	if err := s.merge(ns, idx); err != nil {
		return err
	}
	if writer && idx.wantsToken() { // grew past tokenEnter: token, then list again
		if s.takeToken(ns, idx); idx.watch.token {
			if err := s.merge(ns, idx); err != nil {
				return err
			}
		}
	}
	if len(idx.entries) < tokenExit {
		s.dropToken(ns, idx)
	}
	idx.watch.sinceList = 0
	return nil
}
