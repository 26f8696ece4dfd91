package noasm

import "testing"

func TestOff(t *testing.T) {
	for _, c := range []struct {
		env, kernel string
		off         bool
	}{
		{"", "neuron", false},
		{"neuron", "neuron", true},
		{"noise,scatter", "scatter", true},
		{"noise,scatter", "neuron", false},
		{"neuronx", "neuron", false},
		{"all", "noise", true},
	} {
		t.Setenv("NANOSPIKE_NOASM", c.env)
		if got := Off(c.kernel); got != c.off {
			t.Errorf("NANOSPIKE_NOASM=%q: Off(%q) = %v, want %v", c.env, c.kernel, got, c.off)
		}
	}
}
