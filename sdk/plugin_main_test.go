package sdk_test

import (
	"os"
	"testing"
)

// pluginTestCompileDir caches the compiled sandcache guest for the tests.
var pluginTestCompileDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "sandcache-sdk-test-compiled")
	if err != nil {
		panic(err)
	}
	pluginTestCompileDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}
