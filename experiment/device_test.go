package experiment

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestShortRef(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Huang W, Hang PJ, Wang Y, et al., 2020, Nano Energy 73:104790", "Huang W 2020, Nano Energy"},
		{"Sun YL, Ding YT, Xie D, et al., 2021b, Adv Opt Mater 9:2002232", "Sun YL 2021, Adv Opt Mater"},
		{"none (ideal reference device)", "none (ideal reference device)"},
	} {
		assert.Equal(t, tc.want, ShortRef(tc.in))
	}
}
