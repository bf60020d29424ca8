//go:build wasip1

// Command attacker is a hostile guest module for the hostile-guest suite
// (tests/hostile_guest_test.go): it has the guest's ABI (the exports of
// sandcache:cache/cache@0.1.0 with their core signatures, cabi_realloc,
// cabi_post_*, memory) and the real sql and files imports, and instead of
// a cache it runs the attack its argument names. build.sh builds it into
// tests/testdata/hostile/attacker.wasm.
//
// Attacks by the key of get (and the argument of keys, llm-key,
// canonical-json and parse-options): see the switch statements below. "arm:MODE" sets how
// cabi_realloc and cabi_post_* misbehave from then on (one instance: the
// suite uses a pool of one).
package main

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"unsafe"
)

func main() {}

// --- memory helpers ---

// keep holds everything whose address was given to the host.
var keep [][]byte

func alloc(n uint32) []byte {
	b := make([]byte, max(n, 8))
	keep = append(keep, b)
	return b[:n]
}

func addr(b []byte) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.SliceData(b)))) }

func strAddr(s string) uint32 { return uint32(uintptr(unsafe.Pointer(unsafe.StringData(s)))) }

func str(ptr, n uint32) string {
	if n == 0 {
		return ""
	}
	return unsafe.String((*byte)(unsafe.Pointer(uintptr(ptr))), n)
}

// ret is the export return area; iret the import return area.
var ret, iret [9]uint64

func area(a *[9]uint64) []byte { return (*[64]byte)(unsafe.Pointer(a))[:] }
func retPtr() uint32           { return uint32(uintptr(unsafe.Pointer(&ret))) }
func iretPtr() uint32          { return uint32(uintptr(unsafe.Pointer(&iret))) }

func set8(off int, v uint8)   { area(&ret)[off] = v }
func set32(off int, v uint32) { binary.LittleEndian.PutUint32(area(&ret)[off:], v) }
func setStr(off int, s string) {
	keep = append(keep, []byte(s))
	b := keep[len(keep)-1]
	if len(b) == 0 {
		set32(off, 0)
	} else {
		set32(off, addr(b))
	}
	set32(off+4, uint32(len(s)))
}

// --- misbehaving allocator and post functions ---

// mode is set by "arm:MODE"; a mode "late-X" acts as X only while an
// export runs (so that the host can lower the export's arguments, and the
// attack hits the results of imports instead).
var (
	mode   string
	inside bool
)

//go:wasmexport cabi_realloc
func cabiRealloc(oldPtr, oldSize, align, newSize uint32) uint32 {
	m := mode
	if late, ok := strings.CutPrefix(m, "late-"); ok {
		m = ""
		if inside {
			m = late
		}
	}
	switch m {
	case "realloc-zero":
		return 0
	case "realloc-oob":
		return 0xFFFF_FFF0
	case "realloc-overlap":
		return retPtr() // the host's writes land on the result area
	case "realloc-reenter":
		sqlDialect(iretPtr()) // an import called while the host lowers
	case "realloc-loop":
		for {
		}
	}
	return addr(alloc(newSize))
}

func post() {
	switch mode {
	case "post-trap":
		panic("trap in cabi_post")
	case "post-reenter":
		sqlDialect(iretPtr())
	}
	keep = keep[:0]
}

// --- imports ---

//go:wasmimport sandcache:cache/sql@0.1.0 dialect
func sqlDialect(ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 open
func sqlOpen(name unsafe.Pointer, nameLen uint32, memory uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 exec
func sqlExec(db uint32, sql unsafe.Pointer, sqlLen uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 prepare
func sqlPrepare(db uint32, sql unsafe.Pointer, sqlLen uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 step
func sqlStep(s uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 run
func sqlRunBatch(calls unsafe.Pointer, n uint32, params unsafe.Pointer, np uint32, ret uint32)

//go:wasmimport sandcache:cache/sql@0.1.0 column-count
func sqlColumnCount(s uint32) uint32

//go:wasmimport sandcache:cache/sql@0.1.0 column-text
func sqlColumnText(s, index uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 read
func filesRead(p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 write-atomic
func filesWriteAtomic(p unsafe.Pointer, n uint32, data unsafe.Pointer, dataLen uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 remove
func filesRemove(p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 list
func filesList(p unsafe.Pointer, n uint32, ret uint32)

type hostErr struct {
	code uint8
	msg  string
}

// importErr reads result<_, error> in iret.
func importErr() *hostErr {
	b := area(&iret)
	if b[0] == 0 {
		return nil
	}
	return &hostErr{b[4], str(binary.LittleEndian.Uint32(b[8:]), binary.LittleEndian.Uint32(b[12:]))}
}

func iret32(off int) uint32 { return binary.LittleEndian.Uint32(area(&iret)[off:]) }

func sp(s string) unsafe.Pointer { return unsafe.Pointer(unsafe.StringData(s)) }

// sqlRun opens the file database (or the memory one) and runs stmt; with
// query, it returns every text column of every row.
func sqlRun(stmt string, memory, query bool) ([]string, *hostErr) {
	name := "cache.sqlite"
	m := uint32(0)
	if memory {
		name, m = "", 1
	}
	sqlOpen(sp(name), uint32(len(name)), m, iretPtr())
	if e := importErr(); e != nil {
		return nil, e
	}
	db := iret32(4)
	if !query {
		sqlExec(db, sp(stmt), uint32(len(stmt)), iretPtr())
		return nil, importErr()
	}
	sqlPrepare(db, sp(stmt), uint32(len(stmt)), iretPtr())
	if e := importErr(); e != nil {
		return nil, e
	}
	st := iret32(4)
	var out []string
	for {
		sqlStep(st, iretPtr())
		if e := importErr(); e != nil {
			return out, e
		}
		if area(&iret)[4] == 0 {
			return out, nil
		}
		for i := range sqlColumnCount(st) {
			sqlColumnText(st, i, iretPtr())
			out = append(out, strings.Clone(str(iret32(0), iret32(4))))
		}
	}
}

// fileRun runs one files operation on path.
func fileRun(op, path string) ([]string, *hostErr) {
	switch op {
	case "read":
		filesRead(sp(path), uint32(len(path)), iretPtr())
		if e := importErr(); e != nil {
			return nil, e
		}
		if area(&iret)[4] == 0 {
			return nil, nil
		}
		return []string{strings.Clone(str(iret32(8), iret32(12)))}, nil
	case "write":
		data := `{"planted":true}`
		filesWriteAtomic(sp(path), uint32(len(path)), sp(data), uint32(len(data)), iretPtr())
	case "remove":
		filesRemove(sp(path), uint32(len(path)), iretPtr())
	case "list":
		filesList(sp(path), uint32(len(path)), iretPtr())
		if e := importErr(); e != nil {
			return nil, e
		}
		var out []string
		arr, n := iret32(4), iret32(8)
		for i := range n {
			p := arr + 8*i
			out = append(out, strings.Clone(str(*(*uint32)(unsafe.Pointer(uintptr(p))), *(*uint32)(unsafe.Pointer(uintptr(p + 4))))))
		}
		return out, nil
	}
	return nil, importErr()
}

// --- exports ---

// fail returns err of a result whose payload is at offset off.
func fail(off int, e *hostErr) uint32 {
	set8(0, 1)
	set8(off, e.code)
	setStr(off+4, e.msg)
	return retPtr()
}

// hit returns a get result holding value.
func hit(value string) uint32 {
	set8(4, 1)
	setStr(8, value)
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#get
func exportGet(keyPtr, keyLen, backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	inside = true
	defer func() { inside = false }()
	key := strings.Clone(str(keyPtr, keyLen))
	verb, arg, _ := strings.Cut(key, ":")
	switch verb {
	case "arm": // "arm:MODE", or "arm:MODE+fail" to return an error result
		m, failing := strings.CutSuffix(arg, "+fail")
		mode = m
		if failing {
			return fail(4, &hostErr{1, "armed " + m})
		}
	case "miss":
	case "hit":
		return hit(arg)
	case "ret-oob":
		return 0xFFFF_FFFC
	case "value-ptr-oob":
		set8(4, 1)
		set32(8, 0xFFFF_FF00)
		set32(12, 64)
	case "value-len-oob":
		set8(4, 1)
		set32(8, addr(alloc(16)))
		set32(12, 0x7FFF_FFFF)
	case "value-utf8":
		return hit("\"\xff\xfe\"")
	case "err-utf8":
		return fail(4, &hostErr{2, "bad \xc3\x28 message"})
	case "bad-tag":
		set8(0, 2)
	case "bad-code":
		return fail(4, &hostErr{99, "code 99"})
	case "bad-hit":
		set8(4, 2)
	case "bad-expired":
		set8(16, 3)
	case "trap":
		panic("hostile guest traps")
	case "oom":
		var hoard [][]byte
		for {
			hoard = append(hoard, make([]byte, 1<<20))
		}
	case "loop":
		for {
		}
	case "signal-loop": // one capability call (the test sees it), then a loop
		sqlDialect(iretPtr())
		for {
		}
	case "loop-cap":
		for {
			sqlDialect(iretPtr())
			// Drop the result buffer cabi_realloc kept: the loop must last
			// until its deadline, not fill the memory cap first (in V8 it
			// did, within 1 s: a guest-fault instead of a timeout).
			keep = nil
		}
	case "import-arg-oob": // a name pointer out of range
		sqlOpen(unsafe.Pointer(uintptr(0xFFFF_FF00)), 0x1000, 0, iretPtr())
		return fail(4, &hostErr{4, "the host accepted a name out of range"})
	case "import-ret-oob": // a return area out of range
		sqlDialect(0xFFFF_FFF8)
		return fail(4, &hostErr{4, "the host wrote a return area out of range"})
	case "run-list-oob", "run-list-huge", "run-params-oob", "run-kind", "run-text-oob", "run-blob-oob":
		runAttack(verb)
		return fail(4, &hostErr{4, "the host accepted " + verb})
	case "import":
		sqlDialect(iretPtr())
		return hit(`"` + str(iret32(0), iret32(4)) + `"`)
	case "sql", "sqlmem", "query", "querymem":
		rows, e := sqlRun(arg, strings.HasSuffix(verb, "mem"), strings.HasPrefix(verb, "query"))
		if e != nil {
			return fail(4, e)
		}
		if rows != nil {
			b, _ := json.Marshal(rows)
			return hit(string(b))
		}
	case "file-read", "file-write", "file-remove", "file-list":
		out, e := fileRun(strings.TrimPrefix(verb, "file-"), arg)
		if e != nil {
			return fail(4, e)
		}
		b, _ := json.Marshal(out)
		return hit(string(b))
	}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#keys
func exportKeys(prefixPtr, prefixLen, backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	switch str(prefixPtr, prefixLen) {
	case "huge": // 2^31 elements claimed over a real 16-byte array
		set32(4, addr(alloc(16)))
		set32(8, 1<<31)
	case "alias": // 2^20 elements, each the same 1 MiB string (1 TiB to copy)
		const n = 1 << 20
		k := alloc(1 << 20)
		for i := range k {
			k[i] = 'k'
		}
		arr := alloc(8 * n)
		for i := range n {
			binary.LittleEndian.PutUint32(arr[8*i:], addr(k))
			binary.LittleEndian.PutUint32(arr[8*i+4:], uint32(len(k)))
		}
		set32(4, addr(arr))
		set32(8, n)
	case "arr-oob":
		set32(4, 0xFFFF_FFF0)
		set32(8, 2)
	case "elem-oob":
		arr := alloc(16)
		binary.LittleEndian.PutUint32(arr[0:], 0xFFFF_0000)
		binary.LittleEndian.PutUint32(arr[4:], 0x1000)
		set32(4, addr(arr))
		set32(8, 1)
	case "elem-utf8":
		arr := alloc(8)
		k := alloc(2)
		copy(k, "\xff\xff")
		binary.LittleEndian.PutUint32(arr[0:], addr(k))
		binary.LittleEndian.PutUint32(arr[4:], 2)
		set32(4, addr(arr))
		set32(8, 1)
	}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#llm-key
func exportLLMKey(promptPtr, promptLen, sysTag, sysPtr, sysLen, reqPtr, reqLen uint32) uint32 {
	return stringAttack(str(promptPtr, promptLen), "sha256:0", "sha256:\xff")
}

// stringAttack returns a result<string, error> holding ok, or, when the
// argument is "utf8", notUTF8, and when it is "oob", a string out of the
// module's memory.
func stringAttack(arg, ok, notUTF8 string) uint32 {
	ret = [9]uint64{}
	switch arg {
	case `"utf8"`:
		setStr(4, notUTF8)
	case `"oob"`:
		set32(4, 0x7FFF_FFFF)
		set32(8, 0x7FFF_FFFF)
	default:
		setStr(4, ok)
	}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#canonical-json
func exportCanonicalJSON(ptr, n uint32) uint32 {
	return stringAttack(str(ptr, n), "null", "\"\xff\"")
}

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#canonical-json
func postCanonicalJSON(uint32) { post() }

//go:wasmexport sandcache:cache/cache@0.1.0#parse-options
func exportParseOptions(ptr, n uint32) uint32 {
	ret = [9]uint64{}
	set8(8, 1) // backend: some(sqlite)
	setStr(12, "default")
	setStr(20, "")
	switch str(ptr, n) {
	case `"bad-backend"`:
		set8(9, 9)
	case `"ns-utf8"`:
		setStr(12, "\xfe")
	}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#put
func exportPut(keyPtr, keyLen, valPtr, valLen, backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#delete
func exportDelete(keyPtr, keyLen, backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	if str(keyPtr, keyLen) == "bad-bool" {
		set8(4, 5)
	}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#clear
func exportClear(backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#stats
func exportStats(backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#purge
func exportPurge(backendTag, backend, nsPtr, nsLen, pathPtr, pathLen, ttlTag uint32, ttl uint64, maxTag uint32, maxEntries uint64, dictPtr, dictLen uint32) uint32 {
	ret = [9]uint64{}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#parse-duration
func exportParseDuration(ptr, n uint32) uint32 {
	ret = [9]uint64{}
	return retPtr()
}

//go:wasmexport sandcache:cache/cache@0.1.0#flush
func exportFlush() uint32 {
	ret = [9]uint64{}
	return retPtr()
}

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#get
func postGet(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#flush
func postFlush(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#put
func postPut(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#delete
func postDelete(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#clear
func postClear(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#stats
func postStats(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#purge
func postPurge(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#keys
func postKeys(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#llm-key
func postLLMKey(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#parse-options
func postParseOptions(uint32) { post() }

//go:wasmexport cabi_post_sandcache:cache/cache@0.1.0#parse-duration
func postParseDuration(uint32) { post() }

// runAttack calls sql.run with a batch broken as verb says: the list of
// calls or of parameters out of range, 2^28 calls claimed, a storage class
// of 9, a text or blob pointing out of range.
func runAttack(verb string) {
	calls := alloc(16)
	vals := alloc(40)
	binary.LittleEndian.PutUint32(calls[4:], 1) // one parameter
	vals[0] = 2                                 // text
	cp, n := unsafe.Pointer(&calls[0]), uint32(1)
	vp := unsafe.Pointer(&vals[0])
	switch verb {
	case "run-list-oob":
		cp = unsafe.Pointer(uintptr(0xFFFF_FF00))
	case "run-list-huge":
		n = 1 << 28
	case "run-params-oob":
		vp = unsafe.Pointer(uintptr(0xFFFF_FF00))
	case "run-kind":
		vals[0] = 9
	case "run-text-oob":
		binary.LittleEndian.PutUint32(vals[24:], 0xFFFF_FF00)
		binary.LittleEndian.PutUint32(vals[28:], 0x1000)
	case "run-blob-oob":
		vals[0] = 3 // blob
		binary.LittleEndian.PutUint32(vals[32:], 0xFFFF_FF00)
		binary.LittleEndian.PutUint32(vals[36:], 0x1000)
	}
	sqlRunBatch(cp, n, vp, 1, iretPtr())
}
