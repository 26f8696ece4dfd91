//go:build !race

package network

// storeRelease stores v at p with a plain move, in publish_amd64.s: on amd64 every store is
// a release, and the call keeps the compiler from moving the stores before it past it.
// sync/atomic's Store is an XCHG, which waits for the line to leave every other core's cache:
// a whole round trip between cores, at each publication, while the other range polls it.
// It must stay in assembly: by the Go memory model a plain store paired with atomic loads
// is a race, and a store written in Go could be moved or merged by the compiler.
//
//go:noescape
func storeRelease(p *int64, v int64)
