//go:build !amd64 || race

package network

import "sync/atomic"

// storeRelease stores v at p for atomic loads to read (the race detector sees it).
func storeRelease(p *int64, v int64) { atomic.StoreInt64(p, v) }
