package filecap

import (
	"encoding/binary"
	"slices"
	"syscall"
	"testing"
)

func dirent(ino uint64, typ uint8, name string) []byte {
	n := 19 + len(name) + 1
	n = (n + 7) &^ 7
	rec := make([]byte, n)
	binary.NativeEndian.PutUint64(rec[0:], ino)
	binary.NativeEndian.PutUint16(rec[16:], uint16(n))
	rec[18] = typ
	copy(rec[19:], name)
	return rec
}

func TestParseDirents(t *testing.T) {
	var buf []byte
	buf = append(buf, dirent(1, syscall.DT_DIR, ".")...)
	buf = append(buf, dirent(2, syscall.DT_DIR, "..")...)
	buf = append(buf, dirent(3, syscall.DT_REG, "a.json")...)
	buf = append(buf, dirent(0, syscall.DT_REG, "deleted")...)
	buf = append(buf, dirent(4, syscall.DT_LNK, "link")...)
	buf = append(buf, dirent(5, syscall.DT_UNKNOWN, "unknown-type-with-a-long-name")...)
	buf = append(buf, 1, 2, 3) // truncated trailer is ignored
	var got []string
	parseDirents(buf, func(name []byte, typ uint8) {
		got = append(got, string(name)+":"+string('0'+typ))
	})
	want := []string{"a.json:8", "link:" + string('0'+byte(syscall.DT_LNK)), "unknown-type-with-a-long-name:0"}
	if !slices.Equal(got, want) {
		t.Fatalf("got %q; want %q", got, want)
	}
}
