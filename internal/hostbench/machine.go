package hostbench

import (
	"os"
	"strconv"
	"strings"
)

// Machine describes where a report was measured, from /proc (Linux; the
// fields stay empty elsewhere).
type Machine struct {
	CPUModel string `json:"cpu_model"` // /proc/cpuinfo "model name"
	Kernel   string `json:"kernel"`    // /proc/sys/kernel/osrelease
	// LoadBefore and LoadAfter are the 1-minute load averages when the run
	// started and ended: above the number of CPUs, other processes were
	// competing for them.
	LoadBefore float64 `json:"load_before"`
	LoadAfter  float64 `json:"load_after"`
}

// readMachine fills what /proc tells, except LoadAfter.
func readMachine() Machine {
	var m Machine
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPUModel = cpuModel(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	m.LoadBefore = LoadAverage()
	return m
}

// cpuModel returns the first "model name" of a /proc/cpuinfo text.
func cpuModel(cpuinfo string) string {
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// LoadAverage returns the 1-minute load average, or 0 where /proc/loadavg
// does not exist.
func LoadAverage() float64 {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	v, _ := strconv.ParseFloat(f[0], 64)
	return v
}
