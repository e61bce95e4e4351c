// Command fgia runs the stages of the kit, each reading the files the
// previous one wrote: build or check a data set, clean it, train and
// pretrain, predict and score, combine and post-process predictions, and
// reproduce a whole recipe as an ablation table. `fgia help` lists the
// commands, `fgia help CMD` (or `fgia CMD -h`) describes one with an
// example.
//
//	fgia demo-data --out data/webfashion --labels-dir data/webfashion-labels
//	fgia clean --data data/webfashion
//	fgia train --data data/webfashion --preset demo-vit --out runs/vit
//	fgia predict --run runs/vit --data data/webfashion --split testb --out runs/vit/pred_testb.parquet
//	fgia score --pred runs/vit/pred_testb.parquet --labels data/webfashion-labels/testb.txt --out runs/vit/score_testb
//	fgia reproduce --data data/webfashion --labels-dir data/webfashion-labels --recipe demo --budget full --out build/reproduce
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"

	"github.com/fgia/fgia/fgia/suggest"
)

// command is one subcommand: its flags are registered on fs by setup, which
// returns the function that runs it.
type command struct {
	name    string
	group   string
	summary string // one line
	doc     string // what it does, for `fgia help NAME`
	// usage is the synopsis after "fgia NAME", e.g. "--data DIR --out RUN [flags]".
	usage    string
	examples []string
	// required flags must be given (non-empty); commands check the ones
	// that are required only sometimes themselves.
	required []string
	setup    func(fs *flag.FlagSet) func() error
}

// groups orders the commands in `fgia help`.
var groups = []string{"data", "training", "prediction", "after training", "the whole recipe", "other"}

// commands is filled by each command's file (init), in workflow order.
var commands []command

func register(c command) { commands = append(commands, c) }

func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

func commandNames() []string {
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	return names
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "fgia: fine-grained image classification, the ACCV 2022 champion's recipe, reproducibly.\n\nusage: fgia <command> [flags]\n")
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s:\n", g)
		for _, c := range commands {
			if c.group == g {
				fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
			}
		}
	}
	fmt.Fprintf(w, "\n`fgia help <command>` (or `fgia <command> -h`) describes a command, its flags and an example.\n")
}

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// stdout and stderr are where the running command writes its results and
// its messages and progress (run sets them, so tests and notebooks can
// read them).
var stdout, stderr io.Writer = os.Stdout, os.Stderr

// run executes one command line and returns the exit status: 0 done, 1 the
// command failed, 2 the command line was wrong.
func run(args []string, out, errs io.Writer) (code int) {
	defer func(o, e io.Writer) { stdout, stderr = o, e }(stdout, stderr)
	stdout, stderr = out, errs
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return 0
	case "help":
		if len(args) == 1 {
			usage(stdout)
			return 0
		}
		c, ok := lookup(args[1])
		if !ok {
			return unknownCommand(args[1], stderr)
		}
		help(c, stdout)
		return 0 // help builds flags only: it cannot fail on input
	}
	c, ok := lookup(args[0])
	if !ok {
		return unknownCommand(args[0], stderr)
	}
	// A panic is a bug, but it must still end as an error that says which
	// command and input met it, not as a stack dump.
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "fgia %s: internal error: %v\n  command line: fgia %s\n  this is a bug in fgia; please report it with the command line and its input files\n",
				c.name, r, strings.Join(args, " "))
			if os.Getenv("FGIA_TRACEBACK") != "" {
				stderr.Write(debug.Stack())
			}
			code = 1
		}
	}()
	fs := flag.NewFlagSet("fgia "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported below, help by help()
	do := c.setup(fs)
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			help(c, stdout)
			return 0
		}
		fmt.Fprintf(stderr, "fgia %s: %s\n", c.name, flagError(err, fs))
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "fgia %s: unexpected arguments %q (every input is a flag: `fgia help %s`)\n", c.name, fs.Args(), c.name)
		return 2
	}
	for _, r := range c.required {
		if f := fs.Lookup(r); f != nil && f.Value.String() == "" {
			fmt.Fprintf(stderr, "fgia %s: --%s is required%s\n", c.name, r, exampleHint(c))
			return 2
		}
	}
	if err := do(); err != nil {
		fmt.Fprintf(stderr, "fgia %s: %v\n", c.name, err)
		return 1
	}
	return 0
}

func unknownCommand(name string, stderr io.Writer) int {
	fmt.Fprintf(stderr, "fgia: unknown command %q%s; `fgia help` lists the commands\n", name, suggest.DidYouMean(name, commandNames()))
	return 2
}

// flagError rewrites the flag package's parse errors: an unknown flag gets
// the closest known one, never the whole flag list.
func flagError(err error, fs *flag.FlagSet) string {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		name = strings.TrimLeft(name, "-")
		var known []string
		fs.VisitAll(func(f *flag.Flag) { known = append(known, f.Name) })
		hint := ""
		if c := suggest.Closest(name, known); c != "" {
			hint = fmt.Sprintf(" (did you mean --%s?)", c)
		}
		return fmt.Sprintf("unknown flag --%s%s; `%s -h` lists the flags", name, hint, fs.Name())
	}
	if rest, ok := strings.CutPrefix(msg, "invalid value "); ok {
		return "invalid value " + strings.Replace(rest, "for flag -", "for --", 1)
	}
	return strings.Replace(msg, "flag needs an argument: -", "flag needs a value: --", 1)
}

// exampleHint is the command's first example, for error messages.
func exampleHint(c command) string {
	if len(c.examples) == 0 {
		return ""
	}
	return "\n  e.g. " + c.examples[0]
}

// help writes a command's description, synopsis, flags and examples.
func help(c command, w io.Writer) {
	fmt.Fprintf(w, "fgia %s: %s\n", c.name, c.summary)
	if c.doc != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.doc))
	}
	fmt.Fprintf(w, "\nusage: fgia %s %s\n", c.name, c.usage)
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	c.setup(fs)
	required := map[string]bool{}
	for _, r := range c.required {
		required[r] = true
	}
	fmt.Fprintf(w, "\nflags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		name := "--" + f.Name
		if v := valueName(f); v != "" {
			name += " " + v
		}
		text := f.Usage
		if required[f.Name] {
			text = "(required) " + text
		}
		if def := f.DefValue; def != "" && def != "0" && def != "false" && !strings.Contains(text, "default") {
			text += fmt.Sprintf(" (default %s)", def)
		}
		fmt.Fprintf(w, "  %s\n      %s\n", name, text)
	})
	if len(c.examples) > 0 {
		fmt.Fprintf(w, "\nexamples:\n")
		for _, e := range c.examples {
			fmt.Fprintf(w, "  %s\n", e)
		}
	}
}

// valueName is the placeholder a flag's value is shown with.
func valueName(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	if p, ok := f.Value.(interface{ Placeholder() string }); ok {
		return p.Placeholder()
	}
	// An alias ("same as --labels-dir ...") shows the value of the flag it stands for.
	if rest, ok := strings.CutPrefix(f.Usage, "same as --"); ok {
		name, _, _ := strings.Cut(rest, " ")
		if p, ok := placeholders[name]; ok {
			return p
		}
	}
	if p, ok := placeholders[f.Name]; ok {
		return p
	}
	if g, ok := f.Value.(flag.Getter); ok {
		switch g.Get().(type) {
		case int, int64, uint, uint64:
			return "N"
		case float64:
			return "X"
		}
	}
	return "VALUE"
}

// placeholders name the values of flags that mean the same everywhere.
var placeholders = map[string]string{
	"data": "DIR", "out": "PATH", "labels": "FILE", "labels-dir": "DIR", "images": "DIR", "run": "RUN", "init": "RUN",
	"pred": "FILE[,FILE...]", "score-pred": "FILE[,FILE...]", "parts": "FILES", "list": "FILE", "val-list": "FILE",
	"config": "FILE", "set": "PATH=VALUE", "preset": "NAME", "recipe": "NAME", "budget": "NAME", "split": "testa|testb",
	"method": "NAME", "checkpoint": "FILE", "teacher": "FILE[,FILE...]", "compare": "DIR", "shard": "K/N",
	"sweep-frac": "A:B:STEP", "tta": "flip", "precision": "f32|bf16", "sampler": "shuffle|balanced",
	"label-format": "FORMAT", "source": "DIR", "acc": "A[,A...]", "splits": "SPLITS",
}
