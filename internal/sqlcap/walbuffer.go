//go:build unix

package sqlcap

import (
	"encoding/binary"
)

// WAL write coalescing.
//
// SQLite appends a transaction to the WAL one frame at a time, with two
// writes per frame (a 24-byte header, then the page): an LRU stamp writes
// three frames, a put eight or more, and each write is a system call
// (measured: pwrite was 43% of a native get-hit's CPU time, about 24 µs,
// on this 2-core VM). walBuffer gathers the frames of a transaction in
// memory and writes them with one call when the commit frame's page
// arrives.
//
// Safety: SQLite publishes frames to other connections (the WAL-index
// header in the -shm file, shared memory that no VFS call touches) only
// after the commit frame is written, and that write returns only once the
// whole run is on the file. Anything other than appending a frame header
// and then its page — a write elsewhere (a checksum rewrite of an earlier
// frame, the WAL header, a split write), a read, a sync, a size query, a
// truncate, a close — first writes what is buffered, so the file always
// reads as if every write had gone through at once. A frame header whose
// page has not come yet is never left buffered across any other call, and
// the buffer is written out when it reaches walBufferMax.
type walBuffer struct {
	buf       []byte
	off       int64 // file offset of buf[0]
	lastEnd   int64 // end of the last write (buffered or not); -1 before any
	hdr       bool  // buf ends with a frame header awaiting its page
	hdrCommit bool  // that header is a commit frame's
	pageSize  int64 // learnt from the first page written; 0 until then
}

const (
	walHeader      = 32
	walFrameHeader = 24
	walBufferMax   = 1 << 20
)

// isPage reports whether n is a page size (a power of two, 512 to 65536).
func isPage(n int) bool { return n >= 512 && n <= 65536 && n&(n-1) == 0 }

// frameStart reports whether off is where a frame begins, as far as the
// page size is known.
func (w *walBuffer) frameStart(off int64) bool {
	return off >= walHeader && (w.pageSize == 0 || (off-walHeader)%(walFrameHeader+w.pageSize) == 0)
}

// write buffers p at off, or writes it through with put; put writes
// bytes at an offset in full or fails.
func (w *walBuffer) write(p []byte, off int64, put func([]byte, int64) error) error {
	if len(w.buf) > 0 && off != w.off+int64(len(w.buf)) {
		if err := w.flush(put); err != nil {
			return err
		}
	}
	defer func() { w.lastEnd = off + int64(len(p)) }()
	switch {
	case len(p) == walFrameHeader && !w.hdr && w.frameStart(off) && off == w.lastEnd:
		// A frame header right after the previous write (the WAL header
		// or the previous frame's page): SQLite appends a frame, and its
		// page follows at once. (Checksum rewrites of earlier frames'
		// headers never start where the previous write ended: each is a
		// page apart from the last.)
		if len(w.buf) == 0 {
			w.off = off
		}
		w.buf = append(w.buf, p...)
		w.hdr, w.hdrCommit = true, binary.BigEndian.Uint32(p[4:8]) != 0
		return nil
	case w.hdr && isPage(len(p)) && (w.pageSize == 0 || int64(len(p)) == w.pageSize):
		// The page of the buffered header.
		w.pageSize = int64(len(p))
		w.buf = append(w.buf, p...)
		w.hdr = false
		if w.hdrCommit || len(w.buf) >= walBufferMax {
			return w.flush(put)
		}
		return nil
	}
	if err := w.flush(put); err != nil {
		return err
	}
	return put(p, off)
}

// flush writes what is buffered.
func (w *walBuffer) flush(put func([]byte, int64) error) error {
	if len(w.buf) == 0 {
		return nil
	}
	err := put(w.buf, w.off)
	w.buf, w.hdr, w.hdrCommit = w.buf[:0], false, false
	if cap(w.buf) > walBufferMax {
		w.buf = nil
	}
	return err
}
