package experiment

import (
	"fmt"
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Log is where a run reports its progress: a bar on W when TTY (W is a terminal), else a plain
// line each time another tenth of the work is done, so redirected output and CI logs stay
// clean.
type Log struct {
	W   io.Writer
	TTY bool
}

// usagef returns an error in what the user asked for (a flag, a file's key): the CLI
// exits with status 2 on it.
func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// UsageError is an error in what the user asked for rather than in the work.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// NewBar returns a progress bar on the log's W, drawn only when TTY.
func (e *Log) NewBar(n int, desc, unit string) *progressbar.ProgressBar {
	return progressbar.NewOptions(n,
		progressbar.OptionSetWriter(e.W),
		progressbar.OptionSetDescription(desc),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(unit),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetVisibility(e.TTY),
		progressbar.OptionClearOnFinish(),
	)
}

// progressLog reports progress as plain lines on the log's W when it is not a terminal (no
// bar is drawn then): each time another tenth of the work is done, so logs of long runs show
// where they are without flooding.
type progressLog struct {
	e      *Log
	phase  string
	start  time.Time
	first  int // work already done when the log started (a resumed run)
	decile int
}

func (e *Log) newProgressLog(phase string, first int) *progressLog {
	return &progressLog{e: e, phase: phase, start: time.Now(), first: first, decile: -1}
}

func (l *progressLog) report(done, total int, extra string) {
	if l.e.TTY || total <= 0 || done <= l.first {
		return
	}
	d := 10 * done / total
	if d == l.decile {
		return
	}
	l.decile = d
	rate := float64(done-l.first) / max(time.Since(l.start).Seconds(), 1e-9)
	fmt.Fprintf(l.e.W, "%s %d/%d (%.0f%%) %.1f img/s%s\n", l.phase, done, total, 100*float64(done)/float64(total), rate, extra)
}
