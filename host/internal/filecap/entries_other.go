//go:build !linux

package filecap

import (
	"io"
	"os"
)

// eachRegular calls fn with the name of every regular file directly in the
// opened folder dir of d.
func eachRegular(d *folder, dir *os.File, fn func(name string)) error {
	for {
		entries, err := dir.ReadDir(listBatch)
		for _, e := range entries {
			if e.Type().IsRegular() {
				fn(e.Name())
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
