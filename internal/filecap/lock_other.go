//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package filecap

import (
	"os"
	"sync"
)

// processLock serialises writes where folders cannot be flocked: within
// this process only.
var processLock sync.Mutex

// lockFolder takes the process-wide write lock (folder locks across
// processes are not available on this system).
func lockFolder(*os.File) (unlock func(), err error) {
	processLock.Lock()
	return processLock.Unlock, nil
}
