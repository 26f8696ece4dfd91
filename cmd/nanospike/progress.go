package main

import (
	"time"

	"github.com/schollz/progressbar/v3"
)

// newBar returns a progress bar on stderr that is visible only when stderr is
// a terminal, so redirected output and CI logs stay clean.
func (e *env) newBar(n int, desc, unit string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetVisibility(e.tty),
		progressbar.OptionClearOnFinish(),
	)
}
