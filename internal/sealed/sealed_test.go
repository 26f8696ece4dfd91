package sealed

import (
	"bytes"
	"errors"
	"testing"
)

func TestSealOpen(t *testing.T) {
	payload := []byte("the model's gob bytes")
	s := Seal(payload)
	got, sealed, err := Open(s)
	if err != nil || !sealed || !bytes.Equal(got, payload) {
		t.Fatalf("Open(Seal(p)) = %q, %v, %v", got, sealed, err)
	}
	// Every single flipped bit and every truncation is refused.
	for i := range s {
		for b := range 8 {
			c := bytes.Clone(s)
			c[i] ^= 1 << b
			if _, sealed, err := Open(c); err == nil && sealed {
				t.Fatalf("bit %d of byte %d flipped: accepted", b, i)
			}
		}
	}
	for n := len(magic); n < len(s); n++ {
		if _, _, err := Open(s[:n]); err == nil {
			t.Fatalf("truncated to %d bytes: accepted", n)
		}
	}
	if _, _, err := Open(append(bytes.Clone(s), 0)); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("an extra byte: %v", err)
	}
	legacy := []byte("old gob file")
	got, sealed, err = Open(legacy)
	if err != nil || sealed || !bytes.Equal(got, legacy) {
		t.Fatalf("a file from before sealing: %q, %v, %v", got, sealed, err)
	}
}

func FuzzOpen(f *testing.F) {
	f.Add(Seal([]byte("x")))
	f.Add([]byte("NSPKSEAL"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		p, sealed, err := Open(data)
		if err == nil && sealed && !bytes.Equal(Seal(p), data) {
			t.Fatalf("accepted a sealed file that does not reseal to itself")
		}
	})
}

// TestWriteIsSeal checks that Write writes the bytes Seal returns, which Open accepts, and
// returns the writer's errors.
func TestWriteIsSeal(t *testing.T) {
	for _, payload := range [][]byte{nil, []byte("x"), bytes.Repeat([]byte("gob"), 1000)} {
		var buf bytes.Buffer
		if err := Write(&buf, payload); err != nil {
			t.Fatal(err)
		}
		if want := Seal(payload); !bytes.Equal(buf.Bytes(), want) {
			t.Errorf("Write of %d bytes differs from Seal", len(payload))
		}
		if got, sealed, err := Open(buf.Bytes()); err != nil || !sealed || !bytes.Equal(got, payload) {
			t.Errorf("Open(Write of %d bytes) = %d bytes, %v, %v", len(payload), len(got), sealed, err)
		}
	}
	for fail := range 2 {
		w := &failWriter{after: fail}
		if err := Write(w, []byte("payload")); !errors.Is(err, errWrite) {
			t.Errorf("writer failing at write %d: Write returned %v", fail+1, err)
		}
	}
}

var errWrite = errors.New("disk full")

// failWriter fails from its (after+1)th Write on.
type failWriter struct{ after, n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n++; w.n > w.after {
		return 0, errWrite
	}
	return len(p), nil
}
