package cache

import "github.com/sandcache/sandcache/guest/capability"

// openFS opens the fs backend rooted at root (a folder in the grant).
func openFS(files capability.Files, root string) (store, error) {
	return nil, capability.Errorf(capability.InvalidArgument, "cache fs backend: not built yet")
}
