// Package pad allocates arrays that different cores write at once, so that they do not slow
// each other.
package pad

import (
	"sync/atomic"
	"unsafe"
)

// Isolated returns n zero values of T, with room for c ≥ n, in an allocation of their own with
// 16 KiB of nothing on either side (so at least 32 KiB: a span of its own). Two cores that
// stream through neighbouring arrays, each writing its own, slow each other several times
// over on a virtual machine: the hardware prefetchers of one pull the other's lines across
// the boundary; and two small arrays that share a cache line make every write of one core
// wait for the other's. Isolated arrays are never neighbours. An append beyond c moves the
// array to an ordinary allocation.
func Isolated[T any](n, c int) []T {
	if c < n {
		panic("pad: capacity below length")
	}
	var z T
	size := max(int(unsafe.Sizeof(z)), 1)
	g := elems(16<<10, size)
	// Where in its page an array starts varies from array to array: arrays that all start
	// a page apart would alias in the load/store buffers (a load waits for an unrelated
	// store to the same offset modulo 4 KiB).
	off := int(made.Add(1)%32) * 128 / size
	return make([]T, c+2*g+off)[g+off : g+off+n : g+off+c]
}

// made counts the arrays Isolated has made.
var made atomic.Uint32

// Line is the size of a cache line, or more: the unit of padding.
const Line = 128

// Padded is a T alone on its cache lines: new(Padded[T]).V shares no line with another
// allocation, for a value one core writes often while others write theirs.
type Padded[T any] struct {
	_ [Line]byte
	V T
	_ [Line]byte
}

// Lines returns n zero values of T with a cache line of nothing on either side: a small
// array one core writes often, on no line of another allocation. Large arrays that cores
// stream through want Isolated.
func Lines[T any](n int) []T {
	var z T
	p := elems(Line, int(unsafe.Sizeof(z)))
	return make([]T, n+2*p)[p : p+n : p+n]
}

// elems is the fewest elements of size bytes that fill at least b bytes.
func elems(b, size int) int {
	size = max(size, 1)
	return (b + size - 1) / size
}
