package device

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseParams: no device file makes the parser panic, and what it accepts validates.
func FuzzParseParams(f *testing.F) {
	if b, err := os.ReadFile(filepath.Join("testdata", "user-device.json")); err == nil {
		f.Add(b)
	}
	for _, name := range []string{"si-nc-phototransistor", "pcmo", "ideal"} {
		p, err := Preset(name)
		if err != nil {
			f.Fatal(err)
		}
		b, err := json.Marshal(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"states": 1000000000000}`))
	f.Add([]byte(`{"nl_ltp": 1e300}`))
	f.Add([]byte(`[`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseParams(data, "fuzz.json")
		if err == nil {
			if verr := p.Validate(); verr != nil {
				t.Fatalf("accepted a device that does not validate: %v", verr)
			}
		}
	})
}

// FuzzReadCurve: no measured-curve CSV makes the reader panic.
func FuzzReadCurve(f *testing.F) {
	f.Add([]byte("pulse,conductance_s\n0,1e-9\n1,2e-9\n2,3e-9\n"))
	f.Add([]byte("# a comment\nn,G\n0,1\n1,nan\n"))
	f.Add([]byte(""))
	f.Add([]byte("a,b,c\n1,2,3\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = ReadCurve(bytes.NewReader(data), "fuzz.csv", 1)
	})
}
