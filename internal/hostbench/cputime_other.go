//go:build !unix

package hostbench

import "time"

// processCPU returns 0: CPU time is read only on Unix systems.
func processCPU() time.Duration { return 0 }
