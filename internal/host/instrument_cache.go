package host

import (
	"crypto/sha256"
	"embed"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
)

// The instrumented guest is cached next to wazero's compilation cache, so a
// fresh process with a warm cache skips the rewrite (instrument, ~15-30 ms
// for the embedded guest). The file name is the SHA-256 of the input module
// and of the instrumenter's own source, so a host whose instrumenter changed
// never reads another's output. The folder is trusted as wazero's cache in
// it is (that one holds native code); still, a file is used only if it is a
// regular file of bounded size whose CRC-32C trailer matches, so a torn or
// truncated write is recomputed, never run.

// instrumenterFiles is the source the instrumenter's output depends on.
//
//go:embed instrument.go instrument_data.go wasm_decode.go interrupt.go
var instrumenterFiles embed.FS

var instrumenterID = sync.OnceValue(func() [sha256.Size]byte {
	h := sha256.New()
	for _, name := range []string{"instrument.go", "instrument_data.go", "wasm_decode.go", "interrupt.go"} {
		b, err := instrumenterFiles.ReadFile(name)
		if err != nil {
			panic(err) // embedded at build time
		}
		h.Write([]byte(name))
		h.Write(b)
	}
	return [sha256.Size]byte(h.Sum(nil))
})

// instrumentedID names the instrumented form of the guest of SHA-256 sum:
// the guest and this instrumenter.
func instrumentedID(sum [sha256.Size]byte) [sha256.Size]byte {
	id := instrumenterID()
	h := sha256.New()
	h.Write([]byte("sandcache instrumented guest\x00"))
	h.Write(id[:])
	h.Write(sum[:])
	return [sha256.Size]byte(h.Sum(nil))
}

// instrumentedPrefix starts the name of every instrumented module's file.
const instrumentedPrefix = "sandcache-instrumented-"

// instrumentedName is the cache file name for the guest of SHA-256 sum.
func instrumentedName(sum [sha256.Size]byte) string {
	id := instrumentedID(sum)
	return instrumentedPrefix + hex.EncodeToString(id[:]) + ".wasm"
}

// maxInstrumented bounds the cached file read for guest: the rewrite adds a
// few bytes per loop and call site, far below this.
func maxInstrumented(guest []byte) int64 { return 2*int64(len(guest)) + 1<<20 }

// instrumentCached returns instrument(guest), from dir when a previous
// process cached it there; dir "" is no cache. sum is guest's SHA-256.
// Failures to read or write the cache only cost the rewrite.
func instrumentCached(dir string, guest []byte, sum [sha256.Size]byte) ([]byte, error) {
	if dir == "" {
		return instrument(guest)
	}
	path := filepath.Join(dir, instrumentedName(sum))
	if out, err := readInstrumented(path, maxInstrumented(guest)); err == nil {
		return out, nil
	}
	out, err := instrument(guest)
	if err != nil {
		return nil, err
	}
	_ = writeInstrumented(dir, path, out)
	return out, nil
}

// crcSize is the length of a cached file's trailer.
const crcSize = 4

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errBadCacheFile is a cached file that is not what writeInstrumented wrote.
var errBadCacheFile = errors.New("sandcache: instrumented-guest cache file is damaged")

// readInstrumented reads a file written by writeInstrumented: the module,
// then its CRC-32C (the file name already binds it to its input; the
// checksum catches a damaged or truncated file, at a tenth of SHA-256's
// cost on a warm start's path).
func readInstrumented(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() < crcSize || st.Size() > limit+crcSize {
		return nil, errBadCacheFile
	}
	b := make([]byte, st.Size())
	if _, err := io.ReadFull(f, b); err != nil {
		return nil, err
	}
	mod, trailer := b[:len(b)-crcSize], b[len(b)-crcSize:]
	if binary.LittleEndian.Uint32(trailer) != crc32.Checksum(mod, castagnoli) {
		return nil, errBadCacheFile
	}
	return mod, nil
}

// writeInstrumented stores out at path atomically (a temporary file in dir,
// renamed), with its CRC-32C as a trailer.
func writeInstrumented(dir, path string, out []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".sandcache-instrumented-*")
	if err != nil {
		return err
	}
	_, err = f.Write(binary.LittleEndian.AppendUint32(out[:len(out):len(out)], crc32.Checksum(out, castagnoli)))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		if errors.Is(err, fs.ErrExist) {
			return nil
		}
	}
	return err
}
