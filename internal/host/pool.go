package host

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// pool lends guest instances, one call at a time each. Instances are made
// on demand up to size; a faulted instance is closed instead of returned.
type pool struct {
	sem    chan struct{} // one token per instance that may be in use
	mu     sync.Mutex
	idle   []*instance
	closed bool
	make   func(ctx context.Context) (*instance, error)
	// interrupt, once set (by close, after closeGrace), makes every call
	// in flight end at its next interrupt check or capability call.
	interrupt atomic.Bool
}

func newPool(size int, mk func(ctx context.Context) (*instance, error)) *pool {
	return &pool{sem: make(chan struct{}, size), make: mk}
}

// get returns an instance, waiting for one to be free.
func (p *pool) get(ctx context.Context) (*instance, error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.sem
		return nil, ErrClosed
	}
	if n := len(p.idle); n > 0 {
		in := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return in, nil
	}
	p.mu.Unlock()
	in, err := p.make(ctx)
	if err != nil {
		<-p.sem
		return nil, err
	}
	return in, nil
}

// put returns in to the pool, or closes it when broken or the pool is closed.
func (p *pool) put(in *instance, broken bool) {
	p.mu.Lock()
	if broken || p.closed {
		p.mu.Unlock()
		in.close(context.Background())
	} else {
		p.idle = append(p.idle, in)
		p.mu.Unlock()
	}
	<-p.sem
}

// close waits for calls in flight to finish (interrupting those still
// running after closeGrace), then closes every instance. Calls that start
// afterwards fail with ErrClosed.
func (p *pool) close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.mu.Unlock()
	grace := time.NewTimer(closeGrace)
	defer grace.Stop()
	for taken := 0; taken < cap(p.sem); {
		select {
		case p.sem <- struct{}{}:
			taken++
		case <-grace.C:
			p.interrupt.Store(true)
		}
	}
	p.mu.Lock()
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	for _, in := range idle {
		in.flush()
		in.close(context.Background())
	}
	for range cap(p.sem) {
		<-p.sem
	}
}
