package sqlcap

import (
	"context"
	"math/rand/v2"
	"runtime"
	"time"
)

// busyWait is the busy handler of every connection: how a connection waits
// for a lock another connection holds (a writer of another instance or
// process), up to BusyTimeout and never past the Session's context.
//
// go-sqlite3's own busy_timeout sleeps up to 2 ms (1 ms on average) on
// every retry but the first, twenty to fifty times the length of a cache
// write (a put or an LRU stamp holds the write lock for 20 to 100 µs): two
// instances writing one file then run at the speed of one. This handler
// yields first, then sleeps for a few microseconds growing to 2 ms, so a
// waiter takes the lock soon after it is released and a long wait still
// costs little CPU.
type busyWait struct {
	noWait bool // Session.Run without waiting: fail at once
	first  time.Time
	now    func() time.Time // time.Now; injected by tests
	sleep  func(time.Duration)
}

// newBusyWait returns the handler state of one connection.
func newBusyWait() *busyWait { return &busyWait{now: time.Now, sleep: time.Sleep} }

// busyYields is how many retries only yield the processor before sleeping.
const busyYields = 4

// busyMaxSleep caps one sleep between retries.
const busyMaxSleep = 2 * time.Millisecond

// backoff is the pause before retry count (0-based): zero for the first
// busyYields retries, then 10 µs doubling up to busyMaxSleep, with up to
// 50% jitter so waiters do not retry in lockstep.
func backoff(count int) time.Duration {
	if count < busyYields {
		return 0
	}
	d := 10 * time.Microsecond
	for i := busyYields; i < count && d < busyMaxSleep; i++ {
		d *= 2
	}
	d = min(d, busyMaxSleep)
	return d/2 + rand.N(d/2+1)
}

// retry is the go-sqlite3 busy handler: true to try the lock again.
func (b *busyWait) retry(ctx context.Context, count int) bool {
	if b.noWait || ctx.Err() != nil {
		return false
	}
	now := b.now()
	if count == 0 {
		b.first = now
	} else if now.Sub(b.first) >= BusyTimeout {
		return false
	}
	if d := backoff(count); d > 0 {
		b.sleep(min(d, BusyTimeout-now.Sub(b.first)))
	} else {
		runtime.Gosched()
	}
	return ctx.Err() == nil
}
