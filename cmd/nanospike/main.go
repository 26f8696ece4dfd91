// Command nanospike trains and evaluates spiking neural networks whose
// weights are models of semiconductor-nanocrystal synaptic devices, compares
// devices by accuracy and energy per inference, and characterises devices.
//
// Usage:
//
//	nanospike <command> [flags]
//
// Run `nanospike help` for the list of commands and `nanospike <command>
// --help` for each command's flags. Results go to stdout (and to files under
// --out); progress bars go to stderr, and only when it is a terminal.
// Usage errors exit with status 2, other failures with status 1.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"sort"
	"strings"
	"syscall"

	"github.com/nanospike/nanospike/experiment"
)

// command is one subcommand. Each lives in its own file and registers
// itself in an init function.
type command struct {
	name    string
	summary string
	// run parses args with the flag set it makes through env.flags and does
	// the work. A usage problem is reported with env.usagef.
	run func(ctx context.Context, env *env, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("nanospike: command registered twice: " + c.name)
	}
	commands[c.name] = c
}

// env is what a command may touch of the outside world, so tests can run
// commands in-process.
type env struct {
	stdout, stderr io.Writer
	tty            bool // stderr is a terminal: show progress bars
	asJSON         bool // --json: the result as one JSON document on stdout, no text there
}

// jsonFlag registers --json, which sets e.asJSON.
func (e *env) jsonFlag(fs *flag.FlagSet) {
	fs.BoolVar(&e.asJSON, "json", false, "print the result as one JSON document on stdout and nothing else there (progress stays on stderr)")
}

// printJSON writes v to stdout as one indented JSON document.
func (e *env) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// usageError marks errors that exit with status 2: the user's input, also when package
// experiment finds it.
type usageError = experiment.UsageError

func (e *env) usagef(format string, args ...any) error {
	return &usageError{Msg: fmt.Sprintf(format, args...)}
}

// flags returns a flag set for a command that reports errors instead of
// exiting, with a usage text that starts with synopsis.
func (e *env) flags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // a parse error is reported once, by run (see parse)
	fs.Usage = func() {
		fmt.Fprintf(e.stderr, "usage: nanospike %s\n\nflags:\n", synopsis)
		fs.SetOutput(e.stderr)
		fs.PrintDefaults()
		fs.SetOutput(io.Discard)
	}
	return fs
}

// parse parses args into fs; an error is a usage error, and --help is
// flag.ErrHelp.
func (e *env) parse(fs *flag.FlagSet, args []string) error {
	// The flag package prints the usage on any error; only --help shows it here, an error is
	// one line and a pointer to --help (run).
	usage := fs.Usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Usage = usage
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
			return err
		}
		return &usageError{Msg: err.Error()}
	}
	return nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	stopProfile := startProfile()
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, tty: isTerminal(os.Stderr)}, os.Args[1:])
	stopProfile()
	stop()
	os.Exit(code)
}

// startProfile writes a CPU profile of the whole command to the file named
// by NANOSPIKE_CPUPROFILE, if set (for `go tool pprof`); it returns the
// function that finishes it.
func startProfile() func() {
	path := os.Getenv("NANOSPIKE_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "nanospike: NANOSPIKE_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// run dispatches args to a command and returns the exit status.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		printHelp(e.stderr)
		return 2
	}
	name := args[0]
	switch name {
	case "help", "-h", "--help", "-help":
		if len(args) > 1 {
			if c, ok := commands[args[1]]; ok {
				return run(ctx, e, []string{c.name, "--help"})
			}
		}
		printHelp(e.stdout)
		return 0
	}
	c, ok := commands[name]
	if !ok {
		fmt.Fprintf(e.stderr, "nanospike: unknown command %q\n\n", name)
		printHelp(e.stderr)
		return 2
	}
	err := c.run(ctx, e, args[1:])
	var ue *usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(e.stderr, "nanospike %s: %v\n(run 'nanospike %s --help' for usage)\n", name, err, name)
		return 2
	default:
		fmt.Fprintf(e.stderr, "nanospike %s: %v\n", name, err)
		return 1
	}
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "nanospike: spiking neural networks on semiconductor-nanocrystal synaptic devices")
	fmt.Fprintln(w, "\nusage: nanospike <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'nanospike <command> --help' for a command's flags.")
}

// isTerminal reports whether f is a character device (a terminal).
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// log is where a command's runs report progress: stderr, with bars when it is a terminal.
func (e *env) log() *experiment.Log { return &experiment.Log{W: e.stderr, TTY: e.tty} }

// commandLine is the process's command line as the records give it.
func commandLine() string { return "nanospike " + strings.Join(os.Args[1:], " ") }
