//go:build unix

package sqlcap

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// fakeWAL is a file image with a log of the writes that reached it.
type fakeWAL struct {
	data   []byte
	writes int
}

func (f *fakeWAL) put(p []byte, off int64) error {
	if end := int(off) + len(p); end > len(f.data) {
		f.data = append(f.data, make([]byte, end-len(f.data))...)
	}
	copy(f.data[off:], p)
	f.writes++
	return nil
}

func frameHeader(page uint32, commit uint32) []byte {
	h := make([]byte, walFrameHeader)
	binary.BigEndian.PutUint32(h[0:], page)
	binary.BigEndian.PutUint32(h[4:], commit)
	return h
}

func pageOf(b byte) []byte { return bytes.Repeat([]byte{b}, 4096) }

func frameOff(i int) int64 { return walHeader + int64(i)*(walFrameHeader+4096) }

// TestWALBufferOneWritePerTransaction: the frames of a transaction reach
// the file in one write, when the commit frame's page is written, and the
// file then reads exactly as if every write had gone through.
func TestWALBufferOneWritePerTransaction(t *testing.T) {
	w := walBuffer{lastEnd: -1}
	f, direct := &fakeWAL{}, &fakeWAL{}
	write := func(p []byte, off int64) {
		t.Helper()
		if err := w.write(p, off, f.put); err != nil {
			t.Fatal(err)
		}
		direct.put(p, off)
	}
	write(make([]byte, walHeader), 0) // the WAL header goes through
	if f.writes != 1 {
		t.Fatalf("WAL header: %d writes", f.writes)
	}
	for i := range 3 {
		commit := uint32(0)
		if i == 2 {
			commit = 7
		}
		write(frameHeader(uint32(i+1), commit), frameOff(i))
		write(pageOf(byte('a'+i)), frameOff(i)+walFrameHeader)
		if i < 2 && f.writes != 1 {
			t.Fatalf("frame %d written before the commit (%d writes)", i, f.writes)
		}
	}
	if f.writes != 2 || !bytes.Equal(f.data, direct.data) {
		t.Fatalf("%d writes; file matches: %v", f.writes, bytes.Equal(f.data, direct.data))
	}
	// Checksum rewrites of earlier frames' headers (walRewriteChecksums:
	// one header per frame, a page apart) go through at once: none may
	// wait in the buffer while SQLite publishes the transaction.
	for i := range 3 {
		write(frameHeader(uint32(i+1), 9), frameOff(i))
		if f.writes != 3+i || !bytes.Equal(f.data, direct.data) {
			t.Fatalf("rewrite of frame %d was buffered (%d writes)", i, f.writes)
		}
	}
}

// TestWALBufferFlushesBeforeAnythingElse: buffered frames are written
// before a flush (what reads, syncs, truncates, size queries and closes
// call first), before a write elsewhere, and when the buffer is full.
func TestWALBufferFlushesBeforeAnythingElse(t *testing.T) {
	w := walBuffer{lastEnd: -1}
	f := &fakeWAL{}
	must(t, w.write(make([]byte, walHeader), 0, f.put))
	must(t, w.write(frameHeader(1, 0), frameOff(0), f.put))
	must(t, w.write(pageOf('x'), frameOff(0)+walFrameHeader, f.put))
	must(t, w.write(frameHeader(2, 0), frameOff(1), f.put)) // a header awaiting its page
	if f.writes != 1 {
		t.Fatalf("%d writes; want the frames buffered", f.writes)
	}
	must(t, w.flush(f.put))
	if f.writes != 2 || int64(len(f.data)) != frameOff(1)+walFrameHeader {
		t.Fatalf("flush: %d writes, %d bytes", f.writes, len(f.data))
	}
	// The header's page, written alone after the flush, goes through.
	must(t, w.write(pageOf('w'), frameOff(1)+walFrameHeader, f.put))
	if f.writes != 3 {
		t.Fatalf("%d writes; a page without its header must go through", f.writes)
	}
	// The next frame is buffered again, until a write elsewhere.
	must(t, w.write(frameHeader(3, 0), frameOff(2), f.put))
	must(t, w.write(pageOf('y'), frameOff(2)+walFrameHeader, f.put))
	if f.writes != 3 {
		t.Fatalf("%d writes; want the appended frame buffered", f.writes)
	}
	must(t, w.write([]byte("elsewhere"), 5, f.put))
	if f.writes != 5 || f.data[frameOff(2)+walFrameHeader] != 'y' {
		t.Fatalf("%d writes; the buffered frame must precede the other write", f.writes)
	}
	// A full buffer is written without waiting for a commit.
	big := walBuffer{lastEnd: frameOff(0)}
	g := &fakeWAL{}
	for i := 0; g.writes == 0; i++ {
		if i > walBufferMax/4096+2 {
			t.Fatal("the buffer grew past walBufferMax")
		}
		must(t, big.write(frameHeader(uint32(i+1), 0), frameOff(i), g.put))
		must(t, big.write(pageOf('z'), frameOff(i)+walFrameHeader, g.put))
	}
}

// TestWALBufferOnlyFramesAtBoundaries: once the page size is known, a
// 24-byte write that is not at a frame boundary (a split write) is not
// taken for a header.
func TestWALBufferOnlyFramesAtBoundaries(t *testing.T) {
	w := walBuffer{lastEnd: frameOff(0)}
	f := &fakeWAL{}
	must(t, w.write(frameHeader(1, 1), frameOff(0), f.put))
	must(t, w.write(pageOf('a'), frameOff(0)+walFrameHeader, f.put))
	n := f.writes
	must(t, w.write(make([]byte, walFrameHeader), frameOff(1)+100, f.put))
	if f.writes != n+1 {
		t.Fatal("a 24-byte write inside a frame was buffered as a header")
	}
}

// TestWALBufferHeaderAfterOtherWriters: a frame header that does not
// start where this file handle's last write ended (other connections
// appended, or restarted the WAL) goes through; buffering resumes with the
// next frame.
func TestWALBufferHeaderAfterOtherWriters(t *testing.T) {
	w := walBuffer{lastEnd: frameOff(1)}
	f := &fakeWAL{}
	must(t, w.write(frameHeader(4, 0), frameOff(3), f.put))
	must(t, w.write(pageOf('a'), frameOff(3)+walFrameHeader, f.put))
	if f.writes != 2 {
		t.Fatalf("%d writes; want the first frame written through", f.writes)
	}
	must(t, w.write(frameHeader(5, 1), frameOff(4), f.put))
	if f.writes != 2 {
		t.Fatalf("%d writes; want the next header buffered", f.writes)
	}
	must(t, w.write(pageOf('b'), frameOff(4)+walFrameHeader, f.put))
	if f.writes != 3 || len(f.data) != int(frameOff(5)) {
		t.Fatalf("%d writes, %d bytes; want the commit frame written", f.writes, len(f.data))
	}
}
