package pad

import (
	"testing"
	"unsafe"
)

func TestIsolated(t *testing.T) {
	a := Isolated[float64](10, 20)
	b := Isolated[float64](10, 20)
	if len(a) != 10 || cap(a) != 20 {
		t.Fatalf("len %d cap %d, want 10 20", len(a), cap(a))
	}
	for i := range a {
		if a[i] != 0 {
			t.Fatalf("a[%d] = %v, want 0", i, a[i])
		}
	}
	// Neither array lies within 16 KiB of the other's end.
	pa, pb := uintptr(unsafe.Pointer(&a[0])), uintptr(unsafe.Pointer(&b[0]))
	d := int64(pa) - int64(pb)
	if d < 0 {
		d = -d
	}
	if d < 16<<10+20*8 {
		t.Errorf("arrays %d bytes apart, want at least 16 KiB between them", d)
	}
	a = append(a, 1)
	if len(a) != 11 || cap(a) != 20 {
		t.Errorf("after append: len %d cap %d, want 11 20", len(a), cap(a))
	}
}

func TestIsolatedRefusesCapBelowLen(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Isolated(2, 1) did not panic")
		}
	}()
	Isolated[int](2, 1)
}

func TestLines(t *testing.T) {
	a := Lines[int](5)
	if len(a) != 5 || cap(a) != 5 {
		t.Fatalf("len %d cap %d, want 5 5", len(a), cap(a))
	}
	// The padding on either side: whole elements that fill a line, not one more.
	for _, size := range []int{0, 1, 4, 8, 24, 128, 200} {
		p := elems(Line, size)
		if s := max(size, 1); p*s < Line || (p-1)*s >= Line {
			t.Errorf("size %d: %d elements of padding, not the fewest that fill %d bytes", size, p, Line)
		}
	}
}

func TestPadded(t *testing.T) {
	var p Padded[int64]
	off := unsafe.Offsetof(p.V)
	if off < Line || unsafe.Sizeof(p)-off-8 < Line {
		t.Errorf("V at %d of %d bytes: want a line on either side", off, unsafe.Sizeof(p))
	}
}
