package main

import (
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/fgia/fgia/fgia/backend"
)

func init() {
	register(command{name: "version", group: "other",
		summary: "the fgia build (module version, commit), Go, GoMLX, go-xla and the backend it would use",
		usage:   "",
		setup:   versionCmd})
}

func versionCmd(fs *flag.FlagSet) func() error {
	return func() error {
		fmt.Fprintln(stdout, versionText())
		return nil
	}
}

// versionText describes the build: its module version and VCS revision,
// the Go toolchain, the GoMLX and go-xla modules, and the backend choice.
func versionText() string {
	version, commit, deps := "(unknown)", "(not stamped)", map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		version = bi.Main.Version
		var rev, modified string
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				if s.Value == "true" {
					modified = " (with uncommitted changes)"
				}
			}
		}
		if rev != "" {
			commit = rev + modified
		}
		for _, d := range bi.Deps {
			deps[d.Path] = d.Version
		}
	}
	return fmt.Sprintf("fgia %s\ncommit %s\n%s %s/%s\nGoMLX %s, go-xla %s\nbackend %s",
		version, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		deps["github.com/gomlx/gomlx"], deps["github.com/gomlx/go-xla"], backend.Choose())
}
