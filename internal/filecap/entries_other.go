//go:build !linux

package filecap

import (
	"io"
	"os"
)

// eachEntry calls fn with the name of every regular file and folder
// directly in the opened folder dir of d (dir reports which).
func eachEntry(d *folder, dir *os.File, fn func(name string, dir bool)) error {
	for {
		entries, err := dir.ReadDir(listBatch)
		for _, e := range entries {
			if e.Type().IsRegular() || e.IsDir() {
				fn(e.Name(), e.IsDir())
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
