package network

import "sync/atomic"

// published is a count that one goroutine raises and others poll: loaded atomically, stored
// with release semantics only (see storeRelease), so that the writer does not wait for the
// readers' cores.
type published struct{ v int64 }

func (p *published) Load() int64 { return atomic.LoadInt64(&p.v) }

func (p *published) Store(v int64) { storeRelease(&p.v, v) }
