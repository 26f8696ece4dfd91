package learning

import (
	"bytes"
	"testing"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/internal/sealed"
)

// FuzzUnmarshalSTDPModel: no model or checkpoint file makes the loader panic.
func FuzzUnmarshalSTDPModel(f *testing.F) {
	c := smallConfig(4, 4, 1)
	c.Float = true
	m, err := NewSTDPModel(c, nil, datasets.Pixels)
	if err != nil {
		f.Fatal(err)
	}
	b, err := m.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	if p, _, err := sealed.Open(b); err == nil {
		f.Add(p) // a file from before sealing
	}
	f.Add([]byte("NSPKSEAL"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = UnmarshalSTDPModel(data)
	})
}

// FuzzLoadBackprop: no backprop model or checkpoint file makes the loader panic.
func FuzzLoadBackprop(f *testing.F) {
	n, err := NewBackprop(bpTinyConfig(EncodingRate), nil)
	if err != nil {
		f.Fatal(err)
	}
	var buf bytes.Buffer
	if err := n.Save(&buf); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	if p, _, err := sealed.Open(buf.Bytes()); err == nil {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = LoadBackprop(bytes.NewReader(data))
	})
}
