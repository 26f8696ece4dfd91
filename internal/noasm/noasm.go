// Package noasm reads NANOSPIKE_NOASM, the switch that turns assembly kernels off for a
// measured A/B against their Go code (the results are the same bits either way).
package noasm

import (
	"os"
	"strings"
)

// Off reports whether NANOSPIKE_NOASM (a comma-separated list) names kernel, or all.
func Off(kernel string) bool {
	v := "," + os.Getenv("NANOSPIKE_NOASM") + ","
	return strings.Contains(v, ","+kernel+",") || strings.Contains(v, ",all,")
}
