package energy

import (
	"encoding/json"
	"testing"
)

// FuzzParseConfig: no energy configuration file makes the parser panic, and what it accepts
// validates.
func FuzzParseConfig(f *testing.F) {
	b, err := json.Marshal(DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"neuron_circuit": "if", "crossbar": {"tile_rows": 256}}`))
	f.Add([]byte(`{"crossbar": {"tile_rows": 0}}`))
	f.Add([]byte(`{"unknown": 1}`))
	f.Add([]byte(`{} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseConfig(data)
		if err == nil {
			if verr := c.Validate(); verr != nil {
				t.Fatalf("accepted a config that does not validate: %v", verr)
			}
		}
	})
}
