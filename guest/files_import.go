//go:build wasip1

package main

import (
	"strings"
	"unsafe"

	"github.com/sandcache/sandcache/guest/capability"
)

// Imports of interface sandcache:cache/files@0.1.0, lowered by hand.

//go:wasmimport sandcache:cache/files@0.1.0 read
func filesRead(p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 write-atomic
func filesWriteAtomic(p unsafe.Pointer, n uint32, data unsafe.Pointer, dataLen uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 remove
func filesRemove(p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 replace
func filesReplace(p unsafe.Pointer, n uint32, exp unsafe.Pointer, expLen uint32, hasData uint32, data unsafe.Pointer, dataLen uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 list
func filesList(p unsafe.Pointer, n uint32, ret uint32)

//go:wasmimport sandcache:cache/files@0.1.0 remove-dir
func filesRemoveDir(p unsafe.Pointer, n uint32, ret uint32)

// filesImport implements capability.Files over the imports.
type filesImport struct{}

func (filesImport) Read(path string) ([]byte, bool, error) {
	filesRead(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), importRet.ptr())
	if err := resultErr(); err != nil {
		return nil, false, err
	}
	// result<option<list<u8>>, error>: option tag at 4, list at 8.
	if importRet.u8(4) == 0 {
		return nil, false, nil
	}
	b, ok := takeBytes(importRet.u32(8), importRet.u32(12))
	if !ok {
		return nil, false, capability.Errorf(capability.Internal, "host returned a bad file buffer")
	}
	return b, true, nil
}

func (filesImport) WriteAtomic(path string, data []byte) error {
	filesWriteAtomic(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)),
		unsafe.Pointer(unsafe.SliceData(data)), uint32(len(data)), importRet.ptr())
	return resultErr()
}

func (filesImport) Remove(path string) (bool, error) {
	filesRemove(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), importRet.ptr())
	if err := resultErr(); err != nil {
		return false, err
	}
	return importRet.u8(4) != 0, nil
}

func (filesImport) Replace(path string, expected, data []byte) (bool, error) {
	has := uint32(0)
	if data != nil {
		has = 1
	}
	filesReplace(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)),
		unsafe.Pointer(unsafe.SliceData(expected)), uint32(len(expected)),
		has, unsafe.Pointer(unsafe.SliceData(data)), uint32(len(data)), importRet.ptr())
	if err := resultErr(); err != nil {
		return false, err
	}
	return importRet.u8(4) != 0, nil
}

func (filesImport) List(path string) ([]string, error) {
	filesList(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), importRet.ptr())
	if err := resultErr(); err != nil {
		return nil, err
	}
	// result<list<string>, error>: list at 4; elements are (ptr, len) pairs.
	n := importRet.u32(8)
	arrPtr := importRet.u32(4)
	var whole []byte
	if i := pinned(arrPtr); i >= 0 {
		whole = pins[i].buf
	}
	arr, ok := takeBytes(arrPtr, n*8)
	if !ok {
		return nil, capability.Errorf(capability.Internal, "host returned a bad list pointer")
	}
	if whole != nil && n > 0 && pinned(arrPtr) < 0 {
		// The names may live in the same buffer as the array: keep it
		// pinned while they are taken.
		pins = append(pins, pin{arrPtr, whole})
		defer func() {
			if i := pinned(arrPtr); i >= 0 {
				unpin(i)
			}
		}()
	}
	names := make([]string, n)
	for i := range names {
		e := arr[i*8:]
		s, ok := takeString(le32(e), le32(e[4:]))
		if !ok {
			return nil, capability.Errorf(capability.Internal, "host returned a bad name pointer")
		}
		// Copy: a name kept (in the fs index) must not keep the host's
		// whole listing buffer alive.
		names[i] = strings.Clone(s)
	}
	return names, nil
}

func (filesImport) RemoveDir(path string) (bool, error) {
	filesRemoveDir(unsafe.Pointer(unsafe.StringData(path)), uint32(len(path)), importRet.ptr())
	if err := resultErr(); err != nil {
		return false, err
	}
	return importRet.u8(4) != 0, nil
}

func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
