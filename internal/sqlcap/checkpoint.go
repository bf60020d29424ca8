package sqlcap

import "github.com/ncruces/go-sqlite3"

// SQLite checkpoints a WAL database when a commit leaves 1000 pages in the
// log (wal_autocheckpoint), and starts the log over from its beginning when
// a writer finds every frame already copied back. The cache's get-hit
// stamps its entry while its read statement is still open (so that a
// writer elsewhere makes the stamp fail at once rather than wait): the
// stamp commits, and its checkpoint runs, while that read still pins the
// newest frames. Every checkpoint then stops short of the end of the log,
// no writer ever finds it all copied, and hits alone grew the log without
// bound (43 MB after 5 000 hits).
//
// So when a statement's reset leaves its connection with no transaction
// open, and the connection has changed at least checkpointChanges rows
// since its last checkpoint (a stamp writes about two pages: SQLite's own
// pace), the capability runs a passive checkpoint
// (one that never waits for a lock). With nothing of its own pinned, it
// copies the whole log back, and the next writer starts the log over.
const checkpointChanges = 512

// afterReset checkpoints c when it is due (see above). It runs after every
// reset: the change count, which rules out all but one reset in hundreds,
// is read first.
func (c *conn) afterReset() {
	if c.memory {
		return
	}
	total := c.c.TotalChanges()
	if total-c.checkpointed < checkpointChanges || c.c.TxnState("") != sqlite3.TXN_NONE {
		return
	}
	c.checkpointed = total
	// A failure (another connection writes or checkpoints) only leaves the
	// log as it is, for a later checkpoint.
	_, _, _ = c.c.WALCheckpoint("main", sqlite3.CHECKPOINT_PASSIVE)
}
