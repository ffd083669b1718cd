// compose-config loads a compose file the way `docker compose config` does (compose-go, the
// library the Docker Compose CLI is built on): schema validation, interpolation of ${VARS},
// merge keys, profiles, normalisation. It needs no Docker engine. It prints the resolved
// project as YAML, or the error and exit status 1.
//
//	compose-config [-profile NAME]... FILE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"

	"github.com/compose-spec/compose-go/v2/cli"
)

type profiles []string

func (p *profiles) String() string     { return strings.Join(*p, ",") }
func (p *profiles) Set(v string) error { *p = append(*p, v); return nil }

func main() {
	var wanted profiles
	flag.Var(&wanted, "profile", "a profile to enable (repeat; '*' for all)")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: compose-config [-profile NAME]... FILE")
		os.Exit(2)
	}
	options, err := cli.NewProjectOptions(
		[]string{flag.Arg(0)},
		cli.WithOsEnv,
		cli.WithName("rma"),
		cli.WithProfiles(wanted),
	)
	if err == nil {
		project, loadErr := options.LoadProject(context.Background())
		err = loadErr
		if err == nil {
			var out []byte
			if out, err = project.MarshalYAML(); err == nil {
				_, err = os.Stdout.Write(out)
			}
		}
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "compose-config: %s: %v\n", flag.Arg(0), err)
		os.Exit(1)
	}
}
